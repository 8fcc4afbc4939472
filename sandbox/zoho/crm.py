"""Fake Zoho CRM API v7 routes and data (docs/contracts.md §4), seeded from the demo CRM contacts and deals.

Auth, credits/concurrency (429) and faults are enforced by the gate in `sandbox.zoho.gate`; these routes hold
the records, the `data[]` envelopes, 204 for empty reads, search (with a configurable indexing delay),
mandatory-field and picklist validation, upsert and notes.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from sandbox import seed
from sandbox.zoho.core import FakeClock, FakeZohoConfig, IdMaker, crm_time

MODULES = ("Contacts", "Deals", "Notes", "Accounts", "Leads")
SEARCHABLE = ("Contacts", "Deals", "Accounts", "Leads")
PHONE_FIELDS = ("Phone", "Mobile", "Home_Phone", "Other_Phone", "Asst_Phone")
EMAIL_FIELDS = ("Email", "Secondary_Email")
MANDATORY = {"Contacts": ("Last_Name",), "Leads": ("Last_Name",), "Accounts": ("Account_Name",)}
STAGE_PROBABILITY = {
    "Qualification": 10,
    "Needs Analysis": 20,
    "Value Proposition": 40,
    "Proposal/Price Quote": 75,
    "Negotiation/Review": 90,
    "Closed Won": 100,
    "Closed Lost": 0,
}
API_USER = {"name": "Noor API", "id": "6104223000000217001", "email": "noor-api@treejar.com"}
MAX_PER_PAGE = 200


def crm_error(status: int, code: str, message: str, **details: Any) -> JSONResponse:
    return JSONResponse({"code": code, "details": details, "message": message, "status": "error"}, status_code=status)


def _record_error(code: str, message: str, api_name: str, json_path: str, **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "details": {"api_name": api_name, "json_path": json_path, **extra},
        "message": message,
        "status": "error",
    }


def _digits(value: Any) -> str:
    return re.sub(r"\D", "", str(value or ""))


# ---- criteria: (Field:operator:value) joined by and/or, nested with parentheses ---------------------------


class CriteriaError(ValueError):
    pass


def _parse_criteria(text: str) -> Any:
    pos = 0

    def expr() -> Any:
        nonlocal pos
        node = group()
        while True:
            rest = text[pos:].lower()
            if rest.startswith("and"):
                pos += 3
                node = ("and", node, group())
            elif rest.startswith("or"):
                pos += 2
                node = ("or", node, group())
            else:
                return node

    def group() -> Any:
        nonlocal pos
        if pos >= len(text) or text[pos] != "(":
            raise CriteriaError("expected (")
        pos += 1
        node = expr() if pos < len(text) and text[pos] == "(" else condition()
        if pos >= len(text) or text[pos] != ")":
            raise CriteriaError("expected )")
        pos += 1
        return node

    def condition() -> Any:
        nonlocal pos
        chars: list[str] = []
        while pos < len(text) and text[pos] != ")":
            if text[pos] == "\\" and pos + 1 < len(text):
                chars.append(text[pos + 1])
                pos += 2
                continue
            if text[pos] == "(":
                raise CriteriaError("unescaped (")
            chars.append(text[pos])
            pos += 1
        parts = "".join(chars).split(":", 2)
        if len(parts) != 3 or not parts[0] or not parts[1]:
            raise CriteriaError("condition must be field:operator:value")
        return ("cond", parts[0].strip(), parts[1].strip().lower(), parts[2])

    tree = expr()
    if pos != len(text):
        raise CriteriaError("trailing characters")
    return tree


def _conditions(tree: Any) -> int:
    return 1 if tree[0] == "cond" else _conditions(tree[1]) + _conditions(tree[2])


def _field_text(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or value.get("id") or "")
    return "" if value is None else str(value)


def _evaluate(tree: Any, record: dict[str, Any]) -> bool:
    kind = tree[0]
    if kind == "and":
        return _evaluate(tree[1], record) and _evaluate(tree[2], record)
    if kind == "or":
        return _evaluate(tree[1], record) or _evaluate(tree[2], record)
    name: str = tree[1]
    operator: str = tree[2]
    value: str = tree[3]
    raw = record.get(name)
    text = _field_text(raw).lower()
    wanted = value.lower()
    if isinstance(raw, dict) and name.endswith("_Name") and operator == "equals" and raw.get("id") == value:
        return True
    if operator == "equals":  # Zoho: "equals" on text fields behaves like contains
        return bool(wanted) and wanted in text
    if operator == "not_equal":
        return wanted not in text
    if operator == "starts_with":
        return text.startswith(wanted)
    if operator == "in":
        return text in {v.strip().lower() for v in wanted.split(",")}
    if operator in ("greater_than", "less_than", "greater_equal", "less_equal"):
        try:
            left, right = float(text), float(wanted)
        except ValueError:
            return text > wanted if operator.startswith("greater") else text < wanted
        results = {
            "greater_than": left > right,
            "less_than": left < right,
            "greater_equal": left >= right,
            "less_equal": left <= right,
        }
        return results[operator]
    raise CriteriaError(f"unsupported operator {operator}")


@dataclass
class CrmState:
    clock: FakeClock
    config: FakeZohoConfig
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    touched: dict[str, float] = field(default_factory=dict)  # record id -> last write (for indexing delay)
    ids: IdMaker = field(default_factory=lambda: IdMaker("6104223000009"))

    def seed(self) -> None:
        self.records = {module: {} for module in MODULES}
        for contact in seed.demo_crm_contacts():
            self.records["Contacts"][contact["id"]] = copy.deepcopy(contact)
        for deal in seed.demo_crm_deals():
            self.records["Deals"][deal["id"]] = copy.deepcopy(deal)
        self.touched = {}

    def indexed(self, record_id: str) -> bool:
        touched = self.touched.get(record_id)
        return touched is None or self.clock.now() - touched >= self.config.search_index_delay

    def find(self, record_id: str) -> tuple[str, dict[str, Any]] | None:
        for module, records in self.records.items():
            if record_id in records:
                return module, records[record_id]
        return None

    # ---- validation and normalisation ----------------------------------------------------------------

    def _lookup(self, value: Any, module: str) -> dict[str, Any] | None:
        if not isinstance(value, dict) or not value.get("id"):
            return None
        target = self.records.get(module, {}).get(str(value["id"]))
        if target is None:
            return None
        name = target.get("Full_Name") or target.get("Deal_Name") or target.get("Account_Name") or ""
        return {"name": name, "id": str(value["id"])}

    def validate(self, module: str, record: dict[str, Any], index: int, *, partial: bool) -> dict[str, Any] | None:
        path = f"$.data[{index}]"
        if module == "Deals":
            mandatory: tuple[str, ...] = ("Deal_Name", "Stage", "Pipeline")
            if self.config.deal_closing_date_required:
                mandatory += ("Closing_Date",)
        elif module == "Notes":
            mandatory = ("Note_Content",)
        else:
            mandatory = MANDATORY.get(module, ())
        for name in mandatory:
            present = name in record and record[name] not in (None, "")
            if (not partial and not present) or (partial and name in record and not present):
                return _record_error("MANDATORY_NOT_FOUND", "required field not found", name, f"{path}.{name}")
        if module == "Deals":
            pipelines = self.config.deal_pipelines
            pipeline = record.get("Pipeline")
            if pipeline is not None and pipeline not in pipelines:
                return _record_error(
                    "INVALID_DATA",
                    "invalid data",
                    "Pipeline",
                    f"{path}.Pipeline",
                    expected_data_type="picklist",
                )
            stage = record.get("Stage")
            if stage is not None:
                allowed = pipelines.get(str(pipeline), []) if pipeline else [s for v in pipelines.values() for s in v]
                if stage not in allowed:
                    return _record_error(
                        "INVALID_DATA",
                        "invalid data",
                        "Stage",
                        f"{path}.Stage",
                        expected_data_type="picklist",
                    )
            amount = record.get("Amount")
            if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int | float)):
                return _record_error(
                    "INVALID_DATA", "invalid data", "Amount", f"{path}.Amount", expected_data_type="currency"
                )
            if "Closing_Date" in record and record["Closing_Date"] is not None:
                try:
                    date.fromisoformat(str(record["Closing_Date"]))
                except ValueError:
                    return _record_error(
                        "INVALID_DATA",
                        "invalid data",
                        "Closing_Date",
                        f"{path}.Closing_Date",
                        expected_data_type="date",
                    )
            contact = record.get("Contact_Name")
            if contact is not None and self._lookup(contact, "Contacts") is None:
                return _record_error(
                    "INVALID_DATA",
                    "invalid data",
                    "Contact_Name",
                    f"{path}.Contact_Name",
                    expected_data_type="lookup",
                )
        if module == "Notes" and not partial:
            parent = record.get("Parent_Id")
            if not isinstance(parent, dict):
                return _record_error(
                    "MANDATORY_NOT_FOUND" if parent is None else "INVALID_DATA",
                    "required field not found" if parent is None else "invalid data",
                    "Parent_Id",
                    f"{path}.Parent_Id",
                )
            parent_module = (
                (parent.get("module") or {}).get("api_name") if isinstance(parent.get("module"), dict) else None
            )
            if parent_module not in self.records or str(parent.get("id")) not in self.records[parent_module]:
                return _record_error("INVALID_DATA", "invalid data", "Parent_Id", f"{path}.Parent_Id")
        return None

    def _normalise(self, module: str, record: dict[str, Any]) -> dict[str, Any]:
        clean = {k: v for k, v in record.items() if k != "id"}
        if module == "Deals":
            if isinstance(clean.get("Contact_Name"), dict):
                clean["Contact_Name"] = self._lookup(clean["Contact_Name"], "Contacts")
            if "Stage" in clean:
                clean["Probability"] = STAGE_PROBABILITY.get(str(clean["Stage"]), 50)
        if module in ("Contacts", "Leads") and ("First_Name" in clean or "Last_Name" in clean):
            clean["_name_changed"] = True
        if module == "Notes":
            parent = clean["Parent_Id"]
            parent_module = parent["module"]["api_name"]
            target = self.records[parent_module][str(parent["id"])]
            clean["Parent_Id"] = {
                "module": {"api_name": parent_module, "id": parent["module"].get("id", "")},
                "id": str(parent["id"]),
                "name": target.get("Full_Name") or target.get("Deal_Name") or "",
            }
            clean["$se_module"] = parent_module
        return clean

    def insert(self, module: str, record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        record_id = self.ids.next()
        now = crm_time(self.clock)
        stored: dict[str, Any] = {"id": record_id, "Owner": dict(API_USER)}
        stored.update(self._normalise(module, record))
        stored.update(
            {
                "Created_By": dict(API_USER),
                "Created_Time": now,
                "Modified_By": dict(API_USER),
                "Modified_Time": now,
            }
        )
        self._finish(module, stored)
        self.records[module][record_id] = stored
        self.touched[record_id] = self.clock.now()
        return record_id, stored

    def update(self, module: str, record_id: str, record: dict[str, Any]) -> dict[str, Any]:
        stored = self.records[module][record_id]
        stored.update(self._normalise(module, record))
        stored["Modified_Time"] = crm_time(self.clock)
        stored["Modified_By"] = dict(API_USER)
        self._finish(module, stored)
        self.touched[record_id] = self.clock.now()
        return stored

    @staticmethod
    def _finish(module: str, stored: dict[str, Any]) -> None:
        if stored.pop("_name_changed", False) or (module in ("Contacts", "Leads") and "Full_Name" not in stored):
            stored["Full_Name"] = " ".join(p for p in (stored.get("First_Name"), stored.get("Last_Name")) if p)

    def details(self, stored: dict[str, Any]) -> dict[str, Any]:
        return {
            "Modified_Time": stored["Modified_Time"],
            "Modified_By": {"name": API_USER["name"], "id": API_USER["id"]},
            "Created_Time": stored.get("Created_Time"),
            "id": stored["id"],
            "Created_By": {"name": API_USER["name"], "id": API_USER["id"]},
        }


def _write_status(results: list[dict[str, Any]], success_status: int) -> int:
    failed = sum(1 for r in results if r["status"] == "error")
    if failed == 0:
        return success_status
    return 400 if failed == len(results) else 207


def crm_router(state: CrmState) -> APIRouter:
    router = APIRouter(prefix="/crm/v7")

    def unknown_module(module: str) -> JSONResponse | None:
        if module in state.records:
            return None
        return crm_error(400, "INVALID_MODULE", "the module name given seems to be invalid", resource_path_index=0)

    async def data_of(request: Request) -> list[dict[str, Any]] | JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return crm_error(400, "INVALID_DATA", "body is not a valid JSON")
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list) or not data:
            return crm_error(400, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", param="data")
        if len(data) > 100:
            return crm_error(400, "LIMIT_EXCEEDED", "the number of records exceeded the limit", limit=100)
        if not all(isinstance(r, dict) for r in data):
            return crm_error(400, "INVALID_DATA", "invalid data")
        return data

    def page_params(request: Request) -> tuple[int, int] | JSONResponse:
        try:
            page = int(request.query_params.get("page", "1"))
            per_page = int(request.query_params.get("per_page", str(MAX_PER_PAGE)))
        except ValueError:
            return crm_error(400, "INVALID_DATA", "invalid data", param="page")
        if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
            return crm_error(400, "INVALID_DATA", "invalid data", param="per_page")
        return page, per_page

    def listing(records: list[dict[str, Any]], request: Request, fields: list[str] | None) -> Response:
        params = page_params(request)
        if isinstance(params, JSONResponse):
            return params
        page, per_page = params
        chunk = records[(page - 1) * per_page : page * per_page]
        if not chunk:
            return Response(status_code=204)
        if fields:
            chunk = [{"id": r["id"], **{f: r.get(f) for f in fields if f != "id"}} for r in chunk]
        return JSONResponse(
            {
                "data": chunk,
                "info": {
                    "per_page": per_page,
                    "count": len(chunk),
                    "page": page,
                    "more_records": page * per_page < len(records),
                },
            }
        )

    @router.get("/{module}/search")
    async def search(module: str, request: Request) -> Response:
        if (bad := unknown_module(module)) is not None:
            return bad
        if module not in SEARCHABLE:
            return crm_error(400, "INVALID_MODULE", "the module name given seems to be invalid", resource_path_index=0)
        params = request.query_params
        records = [r for r in state.records[module].values() if state.indexed(r["id"])]
        if params.get("criteria"):
            try:
                tree = _parse_criteria(params["criteria"].strip())
            except CriteriaError as exc:
                return crm_error(400, "INVALID_QUERY", f"invalid query formed: {exc}", param="criteria")
            if _conditions(tree) > 10:
                return crm_error(400, "LIMIT_EXCEEDED", "more than 10 criteria", param="criteria")
            try:
                found = [r for r in records if _evaluate(tree, r)]
            except CriteriaError as exc:
                return crm_error(400, "INVALID_QUERY", str(exc), param="criteria")
        elif params.get("email") is not None:
            wanted = params["email"].strip().lower()
            if len(wanted) < 2:
                return crm_error(400, "INVALID_QUERY", "search value too short", param="email")
            found = [r for r in records if any(str(r.get(f) or "").lower() == wanted for f in EMAIL_FIELDS)]
        elif params.get("phone") is not None:
            wanted = _digits(params["phone"])
            if len(wanted) < 2:
                return crm_error(400, "INVALID_QUERY", "search value too short", param="phone")
            found = [r for r in records if any(_digits(r.get(f)) == wanted for f in PHONE_FIELDS if r.get(f))]
        elif params.get("word") is not None:
            wanted = params["word"].strip().lower()
            if len(wanted) < 2:
                return crm_error(400, "INVALID_QUERY", "search value too short", param="word")
            found = [r for r in records if any(wanted in _field_text(v).lower() for v in r.values())]
        else:
            return crm_error(
                400, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", param="criteria"
            )
        if len(found) > 2000:
            return crm_error(400, "LIMIT_REACHED", "search results exceed 2000 records")
        return listing(found, request, None)

    @router.get("/{module}")
    async def list_records(module: str, request: Request) -> Response:
        if (bad := unknown_module(module)) is not None:
            return bad
        fields = [f.strip() for f in (request.query_params.get("fields") or "").split(",") if f.strip()]
        if not fields:
            return crm_error(400, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", param="fields")
        if len(fields) > 50:
            return crm_error(400, "LIMIT_EXCEEDED", "fields limit exceeded", param="fields", limit=50)
        sort_by = request.query_params.get("sort_by", "id")
        descending = request.query_params.get("sort_order", "asc").lower() == "desc"
        records = sorted(state.records[module].values(), key=lambda r: str(r.get(sort_by) or ""), reverse=descending)
        return listing(records, request, fields)

    @router.get("/{module}/{record_id}")
    async def get_record(module: str, record_id: str) -> Response:
        if (bad := unknown_module(module)) is not None:
            return bad
        record = state.records[module].get(record_id)
        if record is None:
            return Response(status_code=204)
        return JSONResponse({"data": [record]})

    @router.get("/{module}/{record_id}/Notes")
    async def related_notes(module: str, record_id: str, request: Request) -> Response:
        if (bad := unknown_module(module)) is not None:
            return bad
        if record_id not in state.records[module]:
            return crm_error(400, "INVALID_DATA", "the related id given seems to be invalid", api_name="id")
        fields = [f.strip() for f in (request.query_params.get("fields") or "").split(",") if f.strip()]
        notes = [n for n in state.records["Notes"].values() if n["Parent_Id"]["id"] == record_id]
        notes.sort(key=lambda n: n["id"])
        return listing(notes, request, fields or None)

    async def insert_many(module: str, data: list[dict[str, Any]]) -> Response:
        results: list[dict[str, Any]] = []
        for index, record in enumerate(data):
            error = state.validate(module, record, index, partial=False)
            if error is not None:
                results.append(error)
                continue
            _, stored = state.insert(module, record)
            results.append(
                {
                    "code": "SUCCESS",
                    "details": state.details(stored),
                    "message": "record added",
                    "status": "success",
                }
            )
        return JSONResponse({"data": results}, status_code=_write_status(results, 201))

    @router.post("/{module}")
    async def insert(module: str, request: Request) -> Response:
        if (bad := unknown_module(module)) is not None:
            return bad
        data = await data_of(request)
        if isinstance(data, JSONResponse):
            return data
        return await insert_many(module, data)

    @router.post("/{module}/upsert")
    async def upsert(module: str, request: Request) -> Response:
        if (bad := unknown_module(module)) is not None:
            return bad
        try:
            body = await request.json()
        except ValueError:
            return crm_error(400, "INVALID_DATA", "body is not a valid JSON")
        data = await data_of(request)
        if isinstance(data, JSONResponse):
            return data
        check = body.get("duplicate_check_fields") or (["Email"] if module in ("Contacts", "Leads") else ["Deal_Name"])
        results: list[dict[str, Any]] = []
        any_update = False
        for index, record in enumerate(data):
            existing = None
            matched_field = None
            for name in check:
                value = str(record.get(name) or "").strip()
                if not value:
                    continue
                existing = next(
                    (r for r in state.records[module].values() if str(r.get(name) or "").strip() == value),
                    None,
                )
                if existing is not None:
                    matched_field = name
                    break
            if existing is None:
                error = state.validate(module, record, index, partial=False)
                if error is not None:
                    results.append(error)
                    continue
                _, stored = state.insert(module, record)
                results.append(
                    {
                        "code": "SUCCESS",
                        "duplicate_field": None,
                        "action": "insert",
                        "details": state.details(stored),
                        "message": "record added",
                        "status": "success",
                    }
                )
                continue
            error = state.validate(module, record, index, partial=True)
            if error is not None:
                results.append(error)
                continue
            stored = state.update(module, existing["id"], record)
            any_update = True
            results.append(
                {
                    "code": "SUCCESS",
                    "duplicate_field": matched_field,
                    "action": "update",
                    "details": state.details(stored),
                    "message": "record updated",
                    "status": "success",
                }
            )
        return JSONResponse({"data": results}, status_code=_write_status(results, 200 if any_update else 201))

    async def update_many(module: str, data: list[dict[str, Any]], path_id: str | None) -> Response:
        results: list[dict[str, Any]] = []
        for index, record in enumerate(data):
            record_id = path_id or str(record.get("id") or "")
            if record_id not in state.records[module]:
                results.append(
                    _record_error("INVALID_DATA", "the id given seems to be invalid", "id", f"$.data[{index}].id")
                )
                continue
            merged_pipeline = record.get("Pipeline", state.records[module][record_id].get("Pipeline"))
            candidate = {**record, "Pipeline": merged_pipeline} if module == "Deals" and "Stage" in record else record
            error = state.validate(module, candidate, index, partial=True)
            if error is not None:
                results.append(error)
                continue
            stored = state.update(module, record_id, record)
            results.append(
                {
                    "code": "SUCCESS",
                    "details": state.details(stored),
                    "message": "record updated",
                    "status": "success",
                }
            )
        return JSONResponse({"data": results}, status_code=_write_status(results, 200))

    @router.put("/{module}")
    async def update_bulk(module: str, request: Request) -> Response:
        if (bad := unknown_module(module)) is not None:
            return bad
        data = await data_of(request)
        if isinstance(data, JSONResponse):
            return data
        return await update_many(module, data, None)

    @router.put("/{module}/{record_id}")
    async def update_one(module: str, record_id: str, request: Request) -> Response:
        if (bad := unknown_module(module)) is not None:
            return bad
        data = await data_of(request)
        if isinstance(data, JSONResponse):
            return data
        return await update_many(module, data[:1], record_id)

    @router.post("/{module}/{record_id}/Notes")
    async def add_notes(module: str, record_id: str, request: Request) -> Response:
        if (bad := unknown_module(module)) is not None:
            return bad
        if record_id not in state.records[module]:
            return crm_error(400, "INVALID_DATA", "the related id given seems to be invalid", api_name="id")
        data = await data_of(request)
        if isinstance(data, JSONResponse):
            return data
        notes = [{**n, "Parent_Id": {"module": {"api_name": module}, "id": record_id}} for n in data]
        return await insert_many("Notes", notes)

    return router
