"""scripts/bench_odoo_pages.py without Odoo: statistics, table and JSON, arguments, and the web
client's view specification rebuilt from small archs (expected values as Odoo 18's client sent
them on the demo database)."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

from tests.scripts import load_script

bench = load_script("bench_odoo_pages")


def _field(name: str, ftype: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": ftype, **extra}


TASK_FIELDS = {
    f["name"]: f
    for f in (
        _field("name", "char"),
        _field("sequence", "integer"),
        _field("subtask_count", "integer"),
        _field("closed_subtask_count", "integer"),
        _field("state", "selection"),
        _field("project_id", "many2one", relation="project.project", context={}),
        _field("milestone_id", "many2one", relation="project.milestone", context={}),
        _field("partner_id", "many2one", relation="res.partner", context={}),
        _field("company_id", "many2one", relation="res.company", context={}),
        _field("user_ids", "many2many", relation="res.users", context={"active_test": False}),
        _field("tag_ids", "many2many", relation="project.tags", context={}),
        _field("activity_ids", "one2many", relation="mail.activity", context={}),
        _field("activity_exception_decoration", "selection"),
        _field("activity_exception_icon", "char"),
        _field("activity_state", "selection"),
        _field("activity_summary", "char"),
        _field("activity_type_icon", "char"),
        _field("activity_type_id", "many2one", relation="mail.activity.type", context={}),
        _field("date_start", "date"),
        _field("date", "date"),
        _field("task_properties", "properties", definition_record="project_id"),
    )
}
TASK_LIST = """
<list default_order="sequence, id desc">
  <field name="sequence" readonly="1" column_invisible="True"/>
  <field name="state" widget="project_task_state_selection" nolabel="1"/>
  <field name="name" widget="name_with_subtask_count"/>
  <field name="milestone_id" context="{'default_project_id': project_id}" optional="hide"/>
  <field name="partner_id" context="{'res_partner_search_mode': 'customer'}"
         column_invisible="context.get('hide_partner')"/>
  <field name="user_ids" widget="many2many_avatar_user"/>
  <field name="company_id" column_invisible="True"/>
  <field name="date_start" widget="daterange" options="{'end_date_field': 'date'}"/>
  <field name="activity_ids" widget="list_activity"/>
  <field name="tag_ids" widget="many2many_tags" options="{'color_field': 'color'}"
         context="{'project_id': project_id}"/>
  <field name="task_properties"/>
  <button name="action_open" type="object"><field name="subtask_count"/></button>
</list>
"""
USER_CONTEXT = {"lang": "en_US", "tz": "Asia/Shanghai", "uid": 6, "allowed_company_ids": [1]}


def test_list_spec_is_the_one_the_web_client_sends():
    models = {"project.task": {"fields": TASK_FIELDS}}
    spec = bench.view_spec(TASK_LIST, "project.task", models, "list", dict(USER_CONTEXT))
    assert spec == {
        "sequence": {},
        # project_task_state_selection reads the task's project for its stages
        "state": {},
        "project_id": {"fields": {"display_name": {}}},
        # name_with_subtask_count reads both counters
        "name": {},
        "subtask_count": {},
        "closed_subtask_count": {},
        # a context naming a record value is left out, as evalPartialContext does
        "milestone_id": {"fields": {"display_name": {}}},
        "partner_id": {
            "fields": {"display_name": {}},
            "context": {"res_partner_search_mode": "customer"},
        },
        # no context on the node: the field definition's
        "user_ids": {"fields": {"display_name": {}}, "context": {"active_test": False}},
        # always invisible: no display name to read
        "company_id": {"fields": {}},
        "date_start": {},
        "date": {},
        "activity_ids": {"fields": {}},
        "activity_exception_decoration": {},
        "activity_exception_icon": {},
        "activity_state": {},
        "activity_summary": {},
        "activity_type_icon": {},
        "activity_type_id": {"fields": {"display_name": {}}},
        "tag_ids": {"fields": {"display_name": {}, "color": {}}},
        "task_properties": {},
    }, "fields inside a list's buttons are not read, widgets add their dependencies"


PROJECT_FIELDS = {
    f["name"]: f
    for f in (
        _field("name", "char"),
        _field("partner_id", "many2one", relation="res.partner", context={}),
        _field("sale_line_id", "many2one", relation="sale.order.line", context={}),
        _field(
            "sale_line_employee_ids",
            "one2many",
            relation="project.sale.line.employee.map",
            context={},
        ),
        _field("display_name", "char"),
    )
}
MAP_FIELDS = {
    f["name"]: f
    for f in (
        _field("company_id", "many2one", relation="res.company", context={}),
        _field("employee_id", "many2one", relation="hr.employee", context={}),
        _field("sale_line_id", "many2one", relation="sale.order.line", context={}),
        _field("sale_order_id", "many2one", relation="sale.order", context={}),
        _field("price_unit", "float"),
    )
}
PROJECT_FORM = """
<form>
  <sheet>
    <div name="button_box">
      <button name="action_view" type="object"><field name="partner_id" invisible="1"/></button>
    </div>
    <group>
      <field name="name"/>
      <field name="partner_id" invisible="not name"/>
      <field name="sale_line_id" context="{'form_view_ref': 'sale_project.line_form'}"/>
    </group>
    <field name="sale_line_employee_ids" mode="list,kanban">
      <list editable="bottom">
        <field name="company_id" column_invisible="True"/>
        <field name="employee_id" context="{'mapping': company_id}"/>
        <field name="sale_line_id" column_invisible="parent.id"
               context="{'search_default_order_id': sale_order_id}"/>
        <field name="sale_line_id" column_invisible="not parent.id"
               context="{'form_view_ref': 'sale_project.line_form'}"/>
        <field name="price_unit"/>
      </list>
      <kanban><field name="price_unit"/></kanban>
    </field>
  </sheet>
</form>
"""


def test_form_spec_reads_fields_in_buttons_and_inline_lists():
    models = {
        "project.project": {"fields": PROJECT_FIELDS},
        "project.sale.line.employee.map": {"fields": MAP_FIELDS},
    }
    names = {"context": USER_CONTEXT, "uid": 6, "allowed_company_ids": [1]}
    spec = bench.view_spec(PROJECT_FORM, "project.project", models, "form", names)
    assert spec == {
        # shown once invisibly (in a button), once visibly: visible wins
        "partner_id": {"fields": {"display_name": {}}},
        "name": {},
        "sale_line_id": {
            "fields": {"display_name": {}},
            "context": {"form_view_ref": "sale_project.line_form"},
        },
        # the inline list (desktop picks list over kanban), 40 rows, no default order
        "sale_line_employee_ids": {
            "fields": {
                "company_id": {"fields": {}},
                "employee_id": {"fields": {"display_name": {}}},
                # twice in the list: the first node's context, which names a record value
                "sale_line_id": {"fields": {"display_name": {}}},
                "price_unit": {},
            },
            "limit": 40,
            "order": "",
        },
        # the form's breadcrumb
        "display_name": {},
    }


def test_unknown_field_in_a_view_is_an_error_naming_it():
    models = {"project.task": {"fields": {"name": _field("name", "char")}}}
    with pytest.raises(bench.BenchError, match="'ghost'"):
        bench.view_spec(
            '<list><field name="ghost"/></list>', "project.task", models, "list", USER_CONTEXT
        )


def test_list_order_from_default_order_or_handle():
    assert (
        bench.list_order('<list default_order="priority desc, sequence, id desc"/>')
        == "priority DESC, sequence ASC, id DESC"
    )
    handle = '<list><field name="sequence" widget="handle"/><field name="name"/></list>'
    assert bench.list_order(handle) == "sequence ASC, id ASC"
    assert bench.list_order("<list/>") == ""


def test_partial_context_keeps_what_it_can_evaluate():
    text = "{'a': 1, 'b': project_id, 'c': context.get('x', 2), 'd': not uid, 'e': [uid, True]}"
    names = {"context": {"x": 5}, "uid": 6}
    assert bench.eval_partial_context(text, names) == {"a": 1, "c": 5, "d": False, "e": [6, True]}
    assert bench.eval_partial_context("{'c': context.get('x')}", {"uid": 6}) == {}


def test_expressions_outside_the_supported_shapes_are_refused():
    with pytest.raises(ValueError):
        bench.evaluate_expr("__import__('os')")
    with pytest.raises(ValueError):
        bench.evaluate_expr("uid", {})


def test_and_domains_as_the_client_combines_action_and_filter():
    action = [("order_sale_order_id", "!=", False)]
    late = [("order_is_late", "=", True)]
    assert bench.and_domains(action, late) == [
        "&",
        ["order_sale_order_id", "!=", False],
        ["order_is_late", "=", True],
    ]
    two = [("a", "=", 1), ("b", "=", 2)]
    assert bench.and_domains(two, late) == [
        "&",
        "&",
        ["a", "=", 1],
        ["b", "=", 2],
        ["order_is_late", "=", True],
    ]
    assert bench.and_domains([], late) == [["order_is_late", "=", True]]
    assert bench.and_domains([], []) == []
    assert bench.normalize_domain(["|", ("a", "=", 1), ("b", "=", 2), ("c", "=", 3)]) == [
        "&",
        "|",
        ["a", "=", 1],
        ["b", "=", 2],
        ["c", "=", 3],
    ]


def test_filter_domain_reads_the_search_view_and_names_a_missing_filter():
    arch = (
        "<search><filter name=\"delivery\" domain=\"[('order_sale_order_id', '!=', False)]\"/>"
        "<filter name=\"order_late\" domain=\"[('order_is_late', '=', True)]\"/></search>"
    )
    assert bench.filter_domain(arch, "order_late", {}) == [["order_is_late", "=", True]]
    with pytest.raises(bench.BenchError, match="'late_soon'"):
        bench.filter_domain(arch, "late_soon", {})


def test_portal_page_helpers():
    login = '<form><input type="hidden" name="csrf_token" value="abc123o"/></form>'
    assert bench.csrf_token(login) == "abc123o"
    with pytest.raises(bench.BenchError, match="csrf_token"):
        bench.csrf_token("<form></form>")
    listing = (
        '<tr class="o_order_portal_delivery_row"><td><a href="/my/deliveries/12" '
        'class="o_order_portal_delivery_link">S00012</a></td></tr>'
        '<tr class="o_order_portal_delivery_row x"><td><a class="o_order_portal_delivery_link" '
        'href="/my/deliveries/9">S00009</a></td></tr>'
        '<tr class="o_order_portal_delivery_row_other"></tr>'
    )
    assert bench.count_class(listing, "o_order_portal_delivery_row") == 2
    assert bench.first_order_id(listing) == 12
    assert bench.first_order_id('<a href="/my/deliveries/3">no link class</a>') is None


def test_measure_warms_up_once_then_times_each_repeat():
    calls = []

    def page() -> int:
        calls.append(1)
        return 7

    m = bench.measure("k", "a page", "pm", 1, page, repeat=3)
    assert len(calls) == 4, "one warm-up call, then the three timed ones"
    assert len(m.samples_ms) == 3 and all(s >= 0 for s in m.samples_ms)
    assert m.records == 7


def test_measure_refuses_an_empty_page_after_the_warm_up():
    calls = []

    def empty() -> int:
        calls.append(1)
        return 0

    with pytest.raises(bench.EmptyPage, match="a page .as pm. shows no record"):
        bench.measure("k", "a page", "pm", 1, empty, repeat=5)
    assert len(calls) == 1
    with pytest.raises(ValueError):
        bench.measure("k", "a page", "pm", 1, lambda: 1, repeat=0)


def test_median_and_max_of_the_samples():
    m = bench.Measurement("k", "w", "pm", 1, 3, [5.0, 1.0, 3.0, 100.0])
    assert m.median_ms == 4.0 and m.max_ms == 100.0
    assert m.figures() == {
        "login": "pm",
        "calls": 1,
        "records": 3,
        "median_ms": 4.0,
        "max_ms": 100.0,
    }


def test_table_lines_up_and_json_is_one_line():
    rows = [
        bench.Measurement("projects_list", "delivery projects list", "pm", 1, 29, [42.34, 45.81]),
        bench.Measurement("portal_list", "portal /my/deliveries", "portal1", 1, 1, [24.7]),
    ]
    table = bench.format_table(rows).splitlines()
    assert len(table) == 3
    assert len({len(line) for line in table}) == 1, "fixed-width columns"
    assert table[0].split() == ["what", "login", "calls", "records", "median", "ms", "max", "ms"]
    assert table[1].split()[-4:] == ["1", "29", "44.1", "45.8"]
    portal = {"login": "portal1", "customer": "Ningbo 宁波", "orders": 1}
    line = bench.summary_json("http://h:1", "d", 5, rows, portal, None)
    assert "\n" not in line and "宁波" in line
    figures = json.loads(line)
    assert figures["pages"]["projects_list"]["median_ms"] == 44.1
    assert figures["pages"]["portal_list"]["records"] == 1
    assert figures["portal_customer"]["orders"] == 1 and figures["replan"] is None
    assert (figures["url"], figures["db"], figures["repeat"]) == ("http://h:1", "d", 5)


def test_replan_figures_split_the_wall_time():
    row = {
        "name": "PLAN/1",
        "state": "done",
        "order_count": 8,
        "applied_count": 47,
        "figures": {"read_seconds": 0.9, "solve_seconds": 10.0, "read_calls": 11},
    }
    replan = bench.replan_figures(row, "planner", total=12.0, sent=0.5)
    assert replan["rest_s"] == pytest.approx(0.6)
    assert (replan["read_s"], replan["solve_s"], replan["write_back_s"]) == (0.9, 10.0, None)
    text = bench.format_replan(replan)
    assert "PLAN/1 done, 47 tasks of 8 orders" in text
    assert "write back                   not recorded" in text
    unseen = bench.replan_figures(dict(row, figures={}), "planner", total=3.0, sent=None)
    assert unseen["rest_s"] is None and unseen["dispatch_s"] is None


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--repeat", "0"], "--repeat 0"),
        (["--repeat", "x"], "--repeat"),
        (["--url", "127.0.0.1:8069"], "--url 127.0.0.1:8069"),
        (["--replan-timeout", "-1"], "--replan-timeout -1"),
        (["--bogus"], "--bogus"),
    ],
)
def test_bad_arguments_are_refused_naming_the_option(argv, complaint, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.parse_args(argv)
    assert exit_info.value.code == 2
    assert complaint in capsys.readouterr().err


def test_defaults():
    args = bench.parse_args([])
    assert (args.url, args.db, args.repeat) == ("http://127.0.0.1:8069", "order_demo", 5)
    assert not args.replan and not args.json_only


def test_no_odoo_at_the_url_is_an_error_naming_it(capsys):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    assert bench.main(["--url", url, "--db", "nowhere", "--repeat", "1"]) == 2
    captured = capsys.readouterr()
    assert f"no Odoo answers at {url}" in captured.err
    assert captured.out == ""
