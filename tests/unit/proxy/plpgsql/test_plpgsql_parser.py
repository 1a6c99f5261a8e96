"""The PL/pgSQL body parser: each construct's tree, and what it refuses."""

from __future__ import annotations

import pytest

from catalog.errors import DatatypeMismatch, FeatureNotSupported, SyntaxError_
from proxy.plpgsql import ast
from proxy.plpgsql.parser import parse
from proxy.sql import procedures
from proxy.sql.split import split


def body(text: str) -> list[ast.Stmt]:
    return parse(text).body


def test_declarations() -> None:
    block = parse("DECLARE x int := 3; r RECORD; s varchar(20) DEFAULT 'a'; "
                  "c CONSTANT int = 5; n numeric(10, 2) NOT NULL := 0; a ALIAS FOR $1; "
                  "BEGIN NULL; END;")
    assert block.decls == [
        ast.Decl("x", "int", default=ast.Sql("3", 17)),
        ast.Decl("r", "record"),
        ast.Decl("s", "varchar(20)", default=ast.Sql("'a'", 52)),
        ast.Decl("c", "int", constant=True, default=ast.Sql("5", 74)),
        ast.Decl("n", "numeric(10, 2)", not_null=True, default=ast.Sql("0", 106)),
        ast.Decl("a", "", alias_of=1),
    ]
    assert block.body == [ast.Null()]


def test_assignment_and_select_into() -> None:
    assert body("BEGIN x := a + 1; r.f = 2; END") == [
        ast.Assign("x", ast.Sql("a + 1", 11)), ast.Assign("r.f", ast.Sql("2", 24))]
    into, strict = body("BEGIN SELECT count(*) INTO n FROM t WHERE a = n; "
                        "SELECT INTO STRICT a, b x, y FROM t; END")
    assert into == ast.SqlStatement(ast.Sql("SELECT count(*)  FROM t WHERE a = n", 6),
                                    ("n",), False, "SELECT")
    assert strict.into == ("a", "b") and strict.strict
    assert strict.sql.text == "SELECT  x, y FROM t"


def test_insert_into_is_a_plain_statement() -> None:
    (stmt,) = body("BEGIN INSERT INTO t SELECT 1; END")
    assert stmt == ast.SqlStatement(ast.Sql("INSERT INTO t SELECT 1", 6), head="INSERT")


def test_if_case_and_nested_case_expression() -> None:
    (stmt,) = body("BEGIN IF CASE WHEN a THEN b END THEN NULL; ELSIF c THEN NULL; "
                   "ELSE NULL; END IF; END")
    assert isinstance(stmt, ast.If)
    assert [c.text for c, _ in stmt.branches] == ["CASE WHEN a THEN b END", "c"]
    assert stmt.otherwise == [ast.Null()]
    (case,) = body("BEGIN CASE x WHEN 1, 2 THEN NULL; END CASE; END")
    assert isinstance(case, ast.Case)
    assert [w.text for w in case.branches[0][0]] == ["1", "2"]
    assert case.otherwise is None


def test_loops_and_labels() -> None:
    (loop,) = body("BEGIN <<outer>> FOR i IN REVERSE 10..1 BY 2 LOOP "
                   "EXIT outer WHEN i < 3; CONTINUE; END LOOP outer; END")
    assert isinstance(loop, ast.ForRange)
    assert (loop.label, loop.var, loop.reverse) == ("outer", "i", True)
    assert (loop.low.text, loop.high.text, loop.step.text) == ("10", "1", "2")  # type: ignore[union-attr]
    assert loop.body == [ast.Exit(True, "outer", ast.Sql("i < 3", 65)),
                         ast.Exit(False, None, None)]
    (spaced,) = body("BEGIN FOR i IN a + 1 .. b LOOP NULL; END LOOP; END")
    assert (spaced.low.text, spaced.high.text) == ("a + 1", "b")  # type: ignore[union-attr]
    query, dynamic = body("BEGIN FOR r IN SELECT 1 LOOP END LOOP; "
                          "FOR r IN EXECUTE 'select ' || x LOOP END LOOP; END")
    assert isinstance(query, ast.ForQuery) and not query.dynamic
    assert isinstance(dynamic, ast.ForQuery) and dynamic.dynamic
    assert dynamic.query.text == "'select ' || x"
    (w,) = body("BEGIN WHILE x < 10 LOOP x := x + 1; END LOOP; END")
    assert isinstance(w, ast.While) and w.condition.text == "x < 10"


def test_exit_label_must_enclose() -> None:
    with pytest.raises(SyntaxError_, match='there is no label "nope"'):
        parse("BEGIN LOOP EXIT nope; END LOOP; END")


def test_other_statements() -> None:
    stmts = body("BEGIN RAISE NOTICE 'x %', v; RAISE; PERFORM f(1); EXECUTE 'q' INTO STRICT v;"
                 " GET DIAGNOSTICS n := ROW_COUNT; COMMIT; ROLLBACK; CALL p(x, (1 + 2)); "
                 "RETURN; END")
    assert stmts == [
        ast.Raise("NOTICE", "x %", (ast.Sql("v", 26),)),
        ast.Raise(None, None),
        ast.Perform(ast.Sql("SELECT f(1)", 44)),
        ast.Execute(ast.Sql("'q'", 58), ("v",), True),
        ast.GetDiagnostics((("n", "ROW_COUNT"),)),
        ast.Transaction(True), ast.Transaction(False),
        ast.Call(ast.Sql("CALL p(x, (1 + 2))", 127), (None, "p"),
                 (ast.Sql("x", 134), ast.Sql("(1 + 2)", 137))),
        ast.Return(),
    ]


def test_cursors() -> None:
    src = ("DECLARE c CURSOR (k int, n varchar(3)) FOR SELECT k; r refcursor; "
           "d NO SCROLL CURSOR IS SELECT 1; "
           "BEGIN OPEN c(1, 'a'); OPEN r FOR SELECT 2; OPEN r FOR EXECUTE 'q'; "
           "FETCH c INTO x, y; FETCH NEXT FROM r INTO z; FETCH IN d INTO z; CLOSE c; "
           "FOR rec IN c(2, 'b') LOOP NULL; END LOOP; FOR rec IN d LOOP END LOOP; "
           "FOR i IN a..b LOOP END LOOP; END")
    block = parse(src)

    def at(text: str, after: str = "") -> ast.Sql:
        return ast.Sql(text, src.index(text, src.index(after) if after else 0))

    assert block.decls == [
        ast.Decl("c", "refcursor", cursor=at("SELECT k"),
                 cursor_args=(("k", "int"), ("n", "varchar(3)"))),
        ast.Decl("r", "refcursor"),
        ast.Decl("d", "refcursor", cursor=at("SELECT 1")),
    ]
    assert block.body[:7] == [
        ast.Open("c", args=(at("1", "OPEN c("), at("'a'"))),
        ast.Open("r", at("SELECT 2")),
        ast.Open("r", at("'q'"), dynamic=True),
        ast.Fetch("c", ("x", "y")), ast.Fetch("r", ("z",)), ast.Fetch("d", ("z",)),
        ast.Close("c"),
    ]
    loop, bare, rng = block.body[7:]
    assert isinstance(loop, ast.ForCursor) and (loop.target, loop.cursor) == ("rec", "c")
    assert loop.args == (at("2", "IN c("), at("'b'")) and loop.body == [ast.Null()]
    assert isinstance(bare, ast.ForCursor) and bare.args is None
    assert isinstance(rng, ast.ForRange)


def test_type_and_rowtype_anchors() -> None:
    decls = parse('DECLARE a t.x%TYPE; b s.t%ROWTYPE; c a%type := 3; d "T".y%TYPE NOT NULL '
                  ":= 1; BEGIN NULL; END").decls
    assert [(d.name, d.anchor, d.rowtype, d.not_null) for d in decls] == [
        ("a", ("t", "x"), False, False), ("b", ("s", "t"), True, False),
        ("c", ("a",), False, False), ("d", ("T", "y"), False, True)]
    assert decls[2].default is not None and decls[2].default.text == "3"


def test_exception_handlers() -> None:
    (block,) = body("BEGIN BEGIN x := 1; EXCEPTION WHEN OTHERS THEN RAISE INFO '%', SQLERRM; "
                    "END; END")
    assert isinstance(block, ast.Block) and block.handlers is not None
    assert block.handlers[0].conditions == ["others"]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("DECLARE c SCROLL CURSOR FOR SELECT 1; BEGIN NULL; END", FeatureNotSupported),
        ("BEGIN FETCH PRIOR FROM c INTO v; END", FeatureNotSupported),
        ("BEGIN FETCH 2 FROM c INTO v; END", FeatureNotSupported),
        ("BEGIN FETCH FORWARD ALL FROM c INTO v; END", FeatureNotSupported),
        ("BEGIN MOVE c; END", FeatureNotSupported),
        ("BEGIN OPEN c FOR EXECUTE 'q' USING 1; END", FeatureNotSupported),
        ("BEGIN FETCH c; END", SyntaxError_),
        ("DECLARE c CURSOR (k) FOR SELECT 1; BEGIN NULL; END", SyntaxError_),
        ("DECLARE v t.a%FOO; BEGIN NULL; END", SyntaxError_),
        ("DECLARE v t.%TYPE; BEGIN NULL; END", SyntaxError_),
        ("DECLARE r t%ROWTYPE := 1; BEGIN NULL; END", SyntaxError_),
        ("DECLARE v a.b.c.d%TYPE; BEGIN NULL; END", SyntaxError_),
        ("BEGIN RAISE 'x' USING HINT = 'h'; END", FeatureNotSupported),
        ("BEGIN RAISE division_by_zero; END", FeatureNotSupported),
        ("BEGIN EXECUTE 'q' USING 1; END", FeatureNotSupported),
        ("BEGIN RETURN 1; END", DatatypeMismatch),
        ("BEGIN IF THEN END IF; END", SyntaxError_),
        ("BEGIN NULL; END x", SyntaxError_),
        ("BEGIN RAISE NOTICE '% %', 1; END", SyntaxError_),
        ("DECLARE n int NOT NULL; BEGIN NULL; END", SyntaxError_),
        ("BEGIN x := 'unterminated; END", SyntaxError_),
    ],
)
def test_refused(text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse(text)


def test_procedure_statements() -> None:
    (create,) = split("CREATE OR REPLACE PROCEDURE s.p(a int, INOUT b varchar(10), "
                      "c OUT numeric(5, 2), int) NONATOMIC AS $$ BEGIN NULL; END $$ "
                      "LANGUAGE plpgsql SECURITY DEFINER")
    spec = procedures.recognize(create)
    assert isinstance(spec, procedures.CreateProcedure)
    assert (spec.schema, spec.name, spec.replace, spec.nonatomic, spec.security_definer) == (
        "s", "p", True, True, True)
    assert [(a.name, a.mode, a.type) for a in spec.arguments] == [
        ("a", "IN", "int"), ("b", "INOUT", "varchar(10)"), ("c", "OUT", "numeric(5, 2)"),
        ("", "IN", "int")]
    assert spec.body.strip() == "BEGIN NULL; END"
    (call,) = split("CALL p(1, 'a,b', f(2, 3))")
    assert procedures.recognize(call) == procedures.CallProcedure(
        None, "p", ("1", "'a,b'", "f(2, 3)"))
    (drop,) = split("DROP PROCEDURE IF EXISTS p(int, varchar)")
    dropped = procedures.recognize(drop)
    assert isinstance(dropped, procedures.DropProcedure) and dropped.if_exists
    (other,) = split("CREATE TABLE t (a int)")
    assert procedures.recognize(other) is None
