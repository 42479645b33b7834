"""Lists as Press answers them: filters from query values, sorting by `field:asc|desc`, pages.

A page is `{<key>: items, "pageCount", "pageNumber", "pageSize", <count keys>: total}`; peak-sdk
iterates pages until `pageNumber` reaches `pageCount`.
"""

from __future__ import annotations

import math

from blocklint.registry.errors import Invalid

DEFAULT_PAGE_SIZE = 25


def paginate(items: list, key: str, count_keys, page_size=None, page_number=None) -> dict:
    try:
        size = int(page_size) if page_size not in (None, "") else DEFAULT_PAGE_SIZE
        number = int(page_number) if page_number not in (None, "") else 1
    except (TypeError, ValueError):
        raise Invalid("pageSize and pageNumber must be integers") from None
    if size < 1 or number < 1:
        raise Invalid("pageSize and pageNumber must be at least 1")
    page = items[(number - 1) * size: number * size]
    result = {key: page, "pageCount": max(1, math.ceil(len(items) / size)), "pageNumber": number,
              "pageSize": size}
    for count_key in count_keys:
        result[count_key] = len(items)
    return result


def sorted_items(items: list, sort, default: str, fields: dict) -> list:
    """`sort` is a list of `field:asc|desc`; `fields` maps a sort field to a key function."""
    orders = list(sort or []) or [default]
    for order in reversed(orders):
        name, _, direction = str(order).partition(":")
        if name not in fields:
            raise Invalid(f"cannot sort by {name!r}; sortable fields: {', '.join(fields)}")
        if direction not in ("", "asc", "desc"):
            raise Invalid(f"sort order {direction!r} must be asc or desc")
        items = sorted(items, key=fields[name], reverse=direction == "desc")
    return items


def as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def truthy(value):
    """A query or form flag as a bool (None stays None: not given)."""
    if value is None or isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "1", "yes")
