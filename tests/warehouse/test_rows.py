"""The typed rows cannot drift from the table specs: same columns, same value types."""

from __future__ import annotations

import types
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Union, get_args, get_origin, get_type_hints

import ibis
import ibis.expr.datatypes as dt
import pytest

from mercato.connectors.order_tables import ITEM_SCHEMA, ORDER_SCHEMA
from mercato.connectors.orders import (
    Order,
    OrderLine,
    StagedOrderRow,
    _item_row,
    _order_row,
    order_tables,
)
from mercato.warehouse.rows import (
    JSON_FORMS,
    NOT_NULL,
    EventRecord,
    EventRow,
    OrderItemRow,
    OrderRow,
)
from mercato.warehouse.schemas import EVENTS, ORDER_ITEMS, ORDERS, TableSpec


def python_type(dtype: dt.DataType) -> Any:
    """What Arrow hands back for a column of `dtype`, written as a type annotation."""
    if dtype.is_string():
        return str
    if dtype.is_timestamp():
        return datetime
    if dtype.is_decimal():
        return Decimal
    if dtype.is_integer():
        return int
    if dtype.is_floating():
        return float
    if dtype.is_boolean():
        return bool
    if dtype.is_array():
        return list[python_type(dtype.value_type)]  # type: ignore[misc]
    raise AssertionError(f"no Python type for {dtype}")


def members(annotation: Any) -> set[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        return set(get_args(annotation))
    return {annotation}


def mismatches(row: type, spec: TableSpec, forms: dict[str, type] | None = None) -> list[str]:
    """How `row` differs from `spec`: keys (in order) and each value's types, where `forms`
    replaces a column's type by the one its JSON form holds."""
    hints = get_type_hints(row)
    columns = {name: spec.schema[name] for name in spec.schema.names if name != "row_key"}
    if list(hints) != list(columns):
        return [f"{row.__name__} keys {list(hints)} are not {spec.name}'s {list(columns)}"]
    found = []
    for name, dtype in columns.items():
        expected = {(forms or {}).get(name) or python_type(dtype)}
        if name not in NOT_NULL[spec.name]:
            expected.add(type(None))
        if members(hints[name]) != expected:
            found.append(f"{row.__name__}.{name}: {members(hints[name])} for a {dtype} column")
    return found


@pytest.mark.parametrize(
    ("row", "spec"), [(EventRow, EVENTS), (OrderRow, ORDERS), (OrderItemRow, ORDER_ITEMS)]
)
def test_row_matches_its_table_spec(row: type, spec: TableSpec) -> None:
    columns = set(spec.schema.names)
    assert set(spec.natural_key) <= NOT_NULL[spec.name] <= columns
    assert mismatches(row, spec) == []


def test_event_record_is_the_event_row_with_its_json_forms() -> None:
    assert mismatches(EventRecord, EVENTS, JSON_FORMS) == []
    assert set(JSON_FORMS) <= set(EVENTS.schema.names)
    assert mismatches(EventRecord, EVENTS)  # not the stored row: ts and revenue are text


def _changed(spec: TableSpec, **columns: Any) -> TableSpec:
    return replace(spec, schema=ibis.schema({**dict(spec.schema.items()), **columns}))


def test_the_check_sees_a_retyped_added_or_renamed_column() -> None:
    retyped = mismatches(OrderRow, _changed(ORDERS, gross="float64"))
    assert len(retyped) == 1
    assert retyped[0].startswith("OrderRow.gross:")
    assert "keys" in mismatches(OrderItemRow, _changed(ORDER_ITEMS, weight="float64"))[0]
    renamed = dict(EVENTS.schema.items())
    renamed["page_kind"] = renamed.pop("page_type")
    assert mismatches(EventRow, replace(EVENTS, schema=ibis.schema(renamed)))
    assert mismatches(EventRow, _changed(EVENTS, product_ids="array<int64>"))


def test_staged_order_rows_are_the_import_staging_schemas() -> None:
    """The connectors' staged rows: `orders` columns plus `sent_id`; a built row has exactly
    the staging table's columns and Arrow takes it unchanged."""
    staged = get_type_hints(StagedOrderRow)
    assert set(staged) - set(get_type_hints(OrderRow)) == {"sent_id"}
    assert set(ORDER_SCHEMA.names) <= set(staged)
    assert set(ITEM_SCHEMA.names) <= set(get_type_hints(OrderItemRow))
    placed = datetime(2001, 3, 4, 5, 6, 7, 891011)
    line = OrderLine("1", "SKU-é", "Tee", 2, Decimal("12.345"), Decimal("0.500"))
    order = Order("A-1", "csv", placed, "KWD", Decimal("24.190"), lines=(line,))
    tables = order_tables([order])
    assert list(_order_row(order)) == ORDER_SCHEMA.names
    assert list(_item_row(order, line)) == ITEM_SCHEMA.names
    assert tables.orders.to_pylist()[0]["gross"] == Decimal("24.190")
    assert tables.items.to_pylist()[0]["unit_price"] == Decimal("12.345")
