"""/hsds/openapi.json: this API's OpenAPI 3.1 document, following the HSDS 3.0 API's paths
and parameters; each answer's shape is the standard's own compiled schema (by URL)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

SCHEMAS = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/compiled"
PAGE = {
    "type": "object",
    "properties": {
        name: {"type": kind}
        for name, kind in (
            ("total_items", "integer"), ("total_pages", "integer"), ("page_number", "integer"),
            ("size", "integer"), ("first_page", "boolean"), ("last_page", "boolean"),
            ("empty", "boolean"),
        )
    },
}  # fmt: skip
PARAMETERS = {
    "search": ("string", "Words in the name."),
    "page": ("integer", "Page number, from 1."),
    "per_page": ("integer", "Results a page: 1 to 200 (default 50)."),
    "format": ("string", "json (the only one)."),
    "modified_after": ("string", "Only what changed on or after this date or date-time."),
    "taxonomy_term_id": ("string", "Only services with this taxonomy term."),
    "taxonomy_id": ("string", "Only services with a term of this taxonomy."),
    "organization_id": ("string", "Only services of this organization."),
    "minimal": ("boolean", "Only each service's id and last_modified."),
    "full": ("boolean", "Fully nested records."),
    "full_service": ("boolean", "The organization with its services in full."),
    "postcode": ("string", "A UK postcode: only places near its centre (see proximity)."),
    "proximity": ("number", "Metres from the postcode's centre (default 5,000; at most 50,000)."),
    "top_only": ("boolean", "Only top-level terms (all of ours are)."),
    "parent_id": ("string", "Only terms under this one (none of ours are)."),
}


def _parameters(*names: str) -> list[dict[str, Any]]:
    return [
        {"name": n, "in": "query", "required": False, "description": PARAMETERS[n][1],
         "schema": {"type": PARAMETERS[n][0]}}
        for n in names
    ]  # fmt: skip


def _list(summary: str, item: str, *names: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": _parameters("page", "per_page", "format", *names),
            "responses": {
                "200": {"description": "A page", "content": {"application/json": {"schema": {
                    "allOf": [{"$ref": "#/components/schemas/Page"}],
                    "properties": {"contents": {"type": "array",
                                                "items": {"$ref": f"{SCHEMAS}/{item}"}}},
                }}}},
                "400": {"description": "A bad parameter, named in `detail`"},
            },
        }
    }  # fmt: skip


def _one(summary: str, item: str, *names: str) -> dict[str, Any]:
    return {
        "parameters": [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
        "get": {
            "summary": summary,
            "parameters": _parameters(*names),
            "responses": {
                "200": {"description": "The record", "content": {"application/json": {
                    "schema": {"$ref": f"{SCHEMAS}/{item}"}}}},
                "404": {"description": "No such record"},
            },
        },
    }  # fmt: skip


def document(request: HttpRequest) -> JsonResponse:
    base = request.build_absolute_uri("/hsds").rstrip("/")
    return JsonResponse({
        "openapi": "3.1.0",
        "info": {
            "title": "Contact Points: Open Referral HSDS 3.0 API",
            "version": "3.0",
            "description": "Police contact points and front counters as HSDS services, "
            "locations and schedules. Read-only open data. The mapping: /api/ and "
            "docs/exports.md.",
        },
        "servers": [{"url": base}],
        "paths": {
            "/": {"get": {"summary": "This API and its HSDS version",
                          "responses": {"200": {"description": "version, profile, openapi_url"}}}},
            "/services": _list("Services", "service_list.json", "search", "taxonomy_term_id",
                               "taxonomy_id", "organization_id", "modified_after", "minimal",
                               "full"),
            "/services/{id}": _one("A service, fully nested", "service.json"),
            "/service_at_locations": _list(
                "Where each service is offered (or may be)", "service_at_location_list.json",
                "search", "taxonomy_term_id", "taxonomy_id", "organization_id",
                "modified_after", "full", "postcode", "proximity"),
            "/service_at_locations/{id}": _one("A service at a location, fully nested",
                                               "service_at_location.json"),
            "/organizations": _list("Organizations", "organization_list.json", "search",
                                    "full_service", "full"),
            "/organizations/{id}": _one("The organization", "organization.json", "full_service"),
            "/taxonomies": _list("Taxonomies", "../taxonomy.json", "search"),
            "/taxonomies/{id}": _one("A taxonomy", "../taxonomy.json"),
            "/taxonomy_terms": _list("Taxonomy terms", "../taxonomy_term.json", "search",
                                     "taxonomy_id", "top_only", "parent_id"),
            "/taxonomy_terms/{id}": _one("A taxonomy term", "../taxonomy_term.json"),
        },
        "components": {"schemas": {"Page": PAGE}},
    })  # fmt: skip
