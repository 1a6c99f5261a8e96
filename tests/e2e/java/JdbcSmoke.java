// pgjdbc smoke test for Duckshift: prints "key=value" lines that tests/e2e/test_pgjdbc.py checks.
// Usage: java -cp postgresql.jar:. JdbcSmoke host port user password db sslmode [sslrootcert]

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

public class JdbcSmoke {
    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://" + args[0] + ":" + args[1] + "/" + args[4];
        Properties props = new Properties();
        props.setProperty("user", args[2]);
        props.setProperty("password", args[3]);
        props.setProperty("sslmode", args[5]);
        if (args.length > 6) {
            props.setProperty("sslrootcert", args[6]);
        }
        props.setProperty("connectTimeout", "15");
        props.setProperty("socketTimeout", "60");
        try (Connection conn = DriverManager.getConnection(url, props)) {
            System.out.println("connected=true");
            try (Statement st = conn.createStatement();
                 ResultSet rs = st.executeQuery("select count(*) from sales")) {
                rs.next();
                System.out.println("sales=" + rs.getLong(1));
            }
            try (Statement st = conn.createStatement();
                 ResultSet rs = st.executeQuery(
                     "select 1::int2, 2::int4, 3::int8, 1.5::float8, 12.34::numeric(10,2),"
                     + " 'x'::varchar(5), '2024-02-29'::date, '2024-01-02 03:04:05'::timestamp,"
                     + " true, null::int4")) {
                rs.next();
                StringBuilder sb = new StringBuilder();
                for (int i = 1; i <= 10; i++) {
                    if (i > 1) sb.append('|');
                    sb.append(rs.getString(i));
                }
                System.out.println("types=" + sb);
            }
            // 6 executions cross prepareThreshold=5: named statement and binary transfer
            long total = 0;
            StringBuilder names = new StringBuilder();
            try (PreparedStatement ps = conn.prepareStatement(
                     "select catname, catid, ?::numeric(10,2) + 1, ?::timestamp"
                     + " from category where catid = ?")) {
                for (int i = 1; i <= 6; i++) {
                    ps.setBigDecimal(1, new java.math.BigDecimal("1.25"));
                    ps.setTimestamp(2, java.sql.Timestamp.valueOf("2024-01-02 03:04:05"));
                    ps.setInt(3, i);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            names.append(rs.getString(1)).append(',');
                            total += rs.getInt(2);
                            if (i == 1 || i == 6) {
                                System.out.println("ps_numeric_" + i + "=" + rs.getBigDecimal(3));
                                System.out.println("ps_timestamp_" + i + "=" + rs.getTimestamp(4));
                            }
                        }
                    }
                }
            }
            System.out.println("ps_names=" + names);
            System.out.println("ps_total=" + total);
            // fetch size paging inside a transaction (portal with row limits)
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                st.setFetchSize(1000);
                long n = 0;
                long sum = 0;
                long prev = 0;
                boolean ordered = true;
                try (ResultSet rs = st.executeQuery("select listid from listing order by listid")) {
                    while (rs.next()) {
                        long v = rs.getLong(1);
                        if (v <= prev) ordered = false;
                        prev = v;
                        n++;
                        sum += v;
                    }
                }
                System.out.println("paged_rows=" + n);
                System.out.println("paged_ordered=" + ordered);
            }
            conn.commit();
            conn.setAutoCommit(true);
            try (Statement st = conn.createStatement()) {
                st.executeQuery("select * from no_such_jdbc_table");
                System.out.println("error=none");
            } catch (SQLException e) {
                System.out.println("error=" + e.getSQLState());
            }
            try (Statement st = conn.createStatement();
                 ResultSet rs = st.executeQuery("select 42")) {
                rs.next();
                System.out.println("after_error=" + rs.getInt(1));
            }
        }
    }
}
