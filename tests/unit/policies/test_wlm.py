"""Query limits, WLM queues and query monitoring rules: validation, assignment, decisions."""

from __future__ import annotations

import json

import pytest

from catalog.errors import ConfigError
from policies import wlm
from policies.wlm import Predicate, Queue, Rule


def _queues(*queues: dict[str, object]) -> wlm.WlmConfig:
    return wlm.parse({"wlm_json_configuration": json.dumps(list(queues))})


def test_query_limits_become_abort_rules_of_the_default_queue() -> None:
    config = wlm.parse({"max_query_execution_time": "60", "max_scan_row_count": 1000,
                        "search_path": "public"})
    (queue,) = config.queues
    assert queue.name == wlm.DEFAULT_QUEUE and queue.service_class == 6
    assert {(r.name, r.predicates[0].metric, r.predicates[0].value, r.action)
            for r in queue.rules} == {
        ("max_query_execution_time", "query_execution_time", 60.0, "abort"),
        ("max_scan_row_count", "scan_row_count", 1000.0, "abort"),
    }


def test_unknown_key_gets_redshifts_message() -> None:
    with pytest.raises(ConfigError, match=r"The parameter key max_foo isn't supported\. "
                                          r"Supported values: \[\[max_query_cpu_usage_percent"):
        wlm.parse({"max_foo": 1})


@pytest.mark.parametrize(("key", "value"), [
    ("max_query_execution_time", 86_400), ("max_query_execution_time", -1),
    ("max_query_cpu_usage_percent", 6_400), ("max_io_skew", 100), ("max_cpu_skew", "x"),
    ("max_query_queue_time", True),
])
def test_limits_out_of_range(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=key):
        wlm.parse({key: value})


def test_limits_at_the_edges_of_their_ranges() -> None:
    wlm.parse({"max_query_execution_time": 86_399, "max_query_cpu_usage_percent": 6_399,
               "max_io_skew": 99, "max_return_row_count": 0})


def test_not_both_limits_and_queues() -> None:
    with pytest.raises(ConfigError, match="not both"):
        wlm.parse({"max_query_execution_time": 5, "wlm_json_configuration": "[{}]"})


def test_queues_with_roles_groups_and_rules() -> None:
    config = _queues(
        {"name": "etl", "user_role": ["loader"], "query_group": ["nightly*"],
         "query_group_wild_card": 1,
         "rules": [{"rule_name": "long_etl", "action": "hop", "predicate": [
             {"metric_name": "query_execution_time", "operator": ">", "value": 30}]}]},
        {"name": "bi", "query_group": ["bi"], "rules": [
            {"rule_name": "many_rows", "action": "log", "predicate": [
                {"metric_name": "return_row_count", "operator": ">", "value": 1000},
                {"metric_name": "query_cpu_time", "operator": ">", "value": 1}]}]},
        {"rules": [{"rule_name": "stop", "action": "abort", "predicate": [
            {"metric_name": "scan_row_count", "operator": ">", "value": 10}]}]},
    )
    etl, bi, default = config.queues
    assert (etl.service_class, bi.service_class, default.name) == (6, 7, wlm.DEFAULT_QUEUE)
    assert wlm.assign(config, ["loader"], "default", False) is etl
    assert wlm.assign(config, [], "NIGHTLY_run", False) is etl  # wildcard, any case
    assert wlm.assign(config, [], "bi", False) is bi
    assert wlm.assign(config, [], "bix", False) is default  # no wildcard on bi
    assert wlm.assign(config, [], "superuser", False) is default
    assert wlm.assign(config, [], "superuser", True) is wlm.SUPERUSER
    assert wlm.assign(config, ["loader"], "x", True) is etl  # superusers use queues too
    assert len(config.rules) == 3


def test_hop_goes_to_the_next_matching_queue_never_the_default() -> None:
    config = _queues({"name": "a", "query_group": ["g"]}, {"name": "b", "user_role": ["r"]},
                     {"name": "c"})
    a, b, _ = config.queues
    assert wlm.next_queue(config, a, ["r"], "g") is b
    assert wlm.next_queue(config, a, [], "g") is None
    assert wlm.next_queue(config, b, ["r"], "g") is None


@pytest.mark.parametrize(("queues", "message"), [
    ([{"query_concurrency": 5}], "not supported in Redshift Serverless"),
    ([{"user_group": ["x"]}], "not supported"),
    ([{"colour": 1}], "unknown queue property"),
    ([{"query_group": ["x"]}], "default queue"),
    ([{"rules": [{"rule_name": "bad name", "action": "log", "predicate": [
        {"metric_name": "query_cpu_time", "operator": ">", "value": 1}]}]}], "rule_name"),
    ([{"rules": [{"rule_name": "x" * 33, "action": "log", "predicate": [
        {"metric_name": "query_cpu_time", "operator": ">", "value": 1}]}]}], "rule_name"),
    ([{"rules": [{"rule_name": "r", "action": "change_query_priority", "predicate": [
        {"metric_name": "query_cpu_time", "operator": ">", "value": 1}]}]}],
     "change_query_priority"),
    ([{"rules": [{"rule_name": "r", "action": "log", "predicate": [
        {"metric_name": "query_cpu_time", "operator": ">", "value": 1}] * 4}]}],
     "1 to 3 predicates"),
    ([{"rules": [{"rule_name": "r", "action": "log", "predicate": [
        {"metric_name": "query_cpu_time", "operator": ">=", "value": 1}]}]}], "operator"),
    ([{"rules": [{"rule_name": "r", "action": "log", "predicate": [
        {"metric_name": "wall_time", "operator": ">", "value": 1}]}]}], "unknown metric"),
    ([{"name": "a", "query_group": ["a"], "rules": [{"rule_name": "r", "action": "log",
       "predicate": [{"metric_name": "query_cpu_time", "operator": ">", "value": 1}]}]},
      {"rules": [{"rule_name": "R", "action": "log", "predicate": [
          {"metric_name": "query_cpu_time", "operator": ">", "value": 1}]}]}], "duplicate"),
])
def test_invalid_queues(queues: list[dict[str, object]], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        wlm.parse({"wlm_json_configuration": json.dumps(queues)})


def test_at_most_25_rules_and_8000_characters() -> None:
    rule = {"action": "log", "predicate": [
        {"metric_name": "query_cpu_time", "operator": ">", "value": 1}]}
    rules = [{"rule_name": f"r{i}", **rule} for i in range(26)]
    with pytest.raises(ConfigError, match="at most 25 rules"):
        wlm.parse({"wlm_json_configuration": json.dumps([{"rules": rules}])})
    wlm.parse({"wlm_json_configuration": json.dumps([{"rules": rules[:25]}])})
    with pytest.raises(ConfigError, match="8000"):
        wlm.parse({"wlm_json_configuration": json.dumps([{"name": "x" * 8000}])})


def test_most_severe_action_wins_ties_by_name_and_each_rule_fires_once() -> None:
    rules = [
        Rule("z_abort", (Predicate("query_execution_time", ">", 5),), "abort"),
        Rule("a_abort", (Predicate("query_execution_time", ">", 5),), "abort"),
        Rule("hop_it", (Predicate("query_execution_time", ">", 1),), "hop"),
        Rule("log_it", (Predicate("return_row_count", ">", 10),), "log"),
    ]
    early = wlm.evaluate(rules, {"query_execution_time": 2, "return_row_count": 11}, set())
    assert [(f.rule.name, f.action) for f in early] == [("hop_it", "hop"), ("log_it", "none")]
    late = wlm.evaluate(rules, {"query_execution_time": 6, "return_row_count": 11},
                        {"hop_it", "log_it"})
    assert [(f.rule.name, f.action) for f in late] == [("a_abort", "abort"),
                                                       ("z_abort", "none")]


def test_predicates_and_unknown_metrics() -> None:
    both = Rule("r", (Predicate("scan_row_count", ">", 10), Predicate("query_cpu_time", "<", 2)),
                "log")
    assert both.holds({"scan_row_count": 11, "query_cpu_time": 1})
    assert not both.holds({"scan_row_count": 11, "query_cpu_time": 2})
    assert not both.holds({"scan_row_count": 11})  # not measured yet: not true
    assert Predicate("return_row_count", "=", 3).holds({"return_row_count": 3})


def test_hop_on_queue_time_is_ignored() -> None:
    rule = Rule("r", (Predicate("query_queue_time", ">", 1),), "hop")
    assert wlm.evaluate([rule], {"query_queue_time": 5}, set()) == []


def test_queue_matches_roles_with_wildcards() -> None:
    q = Queue("q", 6, user_roles=("sales_*",), role_wildcard=True)
    assert q.matches(["Sales_EU"], "default") and not q.matches(["hr"], "default")
