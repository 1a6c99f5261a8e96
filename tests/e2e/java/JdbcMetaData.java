// pgjdbc DatabaseMetaData against Duckshift: prints "key=value" lines that
// tests/e2e/test_catalog_jdbc.py checks; a call that fails prints "<key>.error=<SQLState> <message>".
// Usage: java -cp postgresql.jar:. JdbcMetaData host port user password db table

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

public class JdbcMetaData {
    interface Call {
        ResultSet run() throws SQLException;
    }

    /** Prints key.count and key.rows (the given columns of each row, ';'-separated). */
    static void show(String key, Call call, String... columns) {
        try (ResultSet rs = call.run()) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < columns.length; i++) {
                    if (i > 0) sb.append(',');
                    sb.append(rs.getString(columns[i]));
                }
                rows.add(sb.toString());
            }
            System.out.println(key + ".count=" + rows.size());
            System.out.println(key + ".rows=" + String.join(";", rows));
        } catch (SQLException e) {
            System.out.println(key + ".error=" + e.getSQLState() + " " + e.getMessage().replace('\n', ' '));
        }
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://" + args[0] + ":" + args[1] + "/" + args[4];
        Properties props = new Properties();
        props.setProperty("user", args[2]);
        props.setProperty("password", args[3]);
        props.setProperty("sslmode", "disable");
        props.setProperty("connectTimeout", "15");
        props.setProperty("socketTimeout", "60");
        String table = args[5];
        try (Connection conn = DriverManager.getConnection(url, props)) {
            DatabaseMetaData md = conn.getMetaData();
            System.out.println("product=" + md.getDatabaseProductName() + " "
                + md.getDatabaseProductVersion());
            show("catalogs", () -> md.getCatalogs(), "TABLE_CAT");
            show("schemas", () -> md.getSchemas(), "TABLE_SCHEM");
            show("schemas_like", () -> md.getSchemas(null, "pub%"), "TABLE_SCHEM");
            show("tables", () -> md.getTables(null, "public", table, new String[] {"TABLE", "VIEW"}),
                "TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE");
            show("all_tables", () -> md.getTables(null, null, null, null), "TABLE_NAME");
            show("columns", () -> md.getColumns(null, "public", table, "%"),
                "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME", "COLUMN_SIZE", "DECIMAL_DIGITS",
                "NULLABLE", "ORDINAL_POSITION");
            show("primary_keys", () -> md.getPrimaryKeys(null, "public", table),
                "COLUMN_NAME", "KEY_SEQ", "PK_NAME");
            show("imported_keys", () -> md.getImportedKeys(null, "public", table),
                "PKTABLE_NAME", "PKCOLUMN_NAME", "FKCOLUMN_NAME", "KEY_SEQ");
            show("index_info", () -> md.getIndexInfo(null, "public", table, false, true),
                "INDEX_NAME", "COLUMN_NAME", "NON_UNIQUE");
            show("type_info", () -> md.getTypeInfo(), "TYPE_NAME", "DATA_TYPE");
            show("functions", () -> md.getFunctions(null, "public", "%"), "FUNCTION_NAME");
            show("procedures", () -> md.getProcedures(null, "public", "%"), "PROCEDURE_NAME");
        }
    }
}
