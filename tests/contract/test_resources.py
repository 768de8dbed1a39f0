"""R1-R8: resources added with ``apigen add``, on every combination.

Each service of the suite is started after apigen's smoke add step
(:data:`apigen.smoke.ADDED_RESOURCES`): ``authors`` and ``books``, every field type and a
reference. These tests hold them to docs/contract.md's "Resources" section, black-box, the same
way for both frameworks and every ORM and database.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.contract.client import (
    Client,
    assert_absolute,
    expect,
    expect_problem,
    expect_validation,
    parse_utc,
    path_of,
    show,
    token,
)
from tests.contract.services import Service

pytestmark = [pytest.mark.contract, pytest.mark.slow]

AUTHORS = "/api/v1/authors/"
BOOKS = "/api/v1/books/"
BOOK_FIELDS = [
    "title",
    "summary",
    "pages",
    "price",
    "in_print",
    "published",
    "printed_at",
    "contact",
    "isbn",
    "status",
    "author",
]
REQUIRED = {"title", "pages", "price", "isbn", "author"}


def new_author(client: Client, **fields: Any) -> dict[str, Any]:
    body = {"name": f"Author {token()}", **fields}
    answer = expect(client.post(AUTHORS, body), 201, f"R1 (POST {AUTHORS})")
    author: dict[str, Any] = answer.json()
    return author


def book_body(writer: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "title": f"Book {token()}",
        "pages": 100,
        "price": "10.00",
        "isbn": str(uuid.uuid4()),
        "author": writer["url"],
        **fields,
    }


def new_book(client: Client, author: dict[str, Any], **fields: Any) -> dict[str, Any]:
    answer = expect(client.post(BOOKS, book_body(author, **fields)), 201, f"R1 (POST {BOOKS})")
    book: dict[str, Any] = answer.json()
    return book


def ids(answer: Any) -> list[int]:
    return [entry["id"] for entry in answer.json()["results"]]


def test_r1_an_object_is_answered_in_canonical_form(service: Service, alice: Client) -> None:
    author = new_author(alice)
    isbn = uuid.uuid4()
    body = book_body(
        author,
        price="9.5",
        isbn=str(isbn).upper(),
        published="2024-02-29",
        printed_at="2024-02-29T10:30:00+02:00",
    )
    answer = expect(alice.post(BOOKS, body), 201, "R1")
    book = answer.json()
    owner = ["owner"] if service.auth != "none" else []
    expected = ["id", "url", *BOOK_FIELDS, *owner, "created_at", "updated_at"]
    assert list(book) == expected, f"[R1] members in declared order: {list(book)}"
    assert answer.headers.get("location") == book["url"], f"[R1/C4] {show(answer)}"
    assert_absolute(book["url"], service, "R1/C19")
    assert path_of(book["url"]) == f"{BOOKS}{book['id']}/", f"[R1] url: {book!r}"
    assert book["price"] == "9.50", f"[R1] a decimal with its places: {book!r}"
    assert book["isbn"] == str(isbn), f"[R1] a UUID in lower-case hyphenated form: {book!r}"
    assert book["published"] == "2024-02-29", f"[R1] a date: {book!r}"
    assert parse_utc(book["printed_at"], "R1") == parse_utc("2024-02-29T08:30:00Z", "R1")
    assert book["printed_at"].endswith("Z"), f"[R1] a datetime in UTC with Z: {book!r}"
    assert (book["in_print"], book["status"]) == (True, "draft"), f"[R1] defaults: {book!r}"
    assert (book["summary"], book["contact"]) == ("", ""), f"[R1] optional text: {book!r}"
    assert isinstance(book["pages"], int), f"[R1] an integer is a number: {book!r}"
    if owner:
        assert book["owner"] == "alice", f"[R1] the owner is the creator: {book!r}"
    assert expect(alice.get(path_of(book["url"])), 200, "R1").json() == book


def test_r2_what_is_missing_or_invalid_is_named(alice: Client) -> None:
    expect_validation(alice.post(BOOKS, {}), REQUIRED, "R2 (required)")
    author = new_author(alice)
    invalid = {
        "title": "",
        "pages": 0,
        "price": "-1.00",
        "isbn": "not-a-uuid",
        "published": "2024-13-01",
        "printed_at": "yesterday",
        "contact": "not an address",
        "status": "lost",
    }
    answer = alice.post(BOOKS, book_body(author, **invalid))
    expect_validation(answer, set(invalid), "R2 (bounds, types, choices)")
    answer = alice.post(BOOKS, book_body(author, title=12, pages="many", price="1.234"))
    expect_validation(answer, {"title", "pages", "price"}, "R2 (text is a JSON string)")
    answer = alice.post(AUTHORS, {"name": "x" * 81, "homepage": "ftp://example.com/"})
    expect_validation(answer, {"name", "homepage"}, "R2 (max, url)")
    book = new_book(alice, author)
    answer = alice.post(BOOKS, book_body(author, isbn=book["isbn"]))
    expect_validation(answer, {"isbn"}, "R2 (unique)")
    answer = alice.post(AUTHORS, {"name": author["name"]})
    expect_validation(answer, {"name"}, "R2 (unique)")


def test_r3_put_replaces_and_patch_changes_what_it_names(alice: Client) -> None:
    author = new_author(alice)
    book = new_book(
        alice, author, summary="Kept?", in_print=False, contact="a@example.com", status="published"
    )
    path = path_of(book["url"])
    body = book_body(author, title="Replaced", isbn=book["isbn"])
    replaced = expect(alice.put(path, body), 200, "R3 (PUT)").json()
    assert replaced["title"] == "Replaced", f"[R3] {replaced!r}"
    assert (replaced["summary"], replaced["contact"]) == ("", ""), f"[R3] reset: {replaced!r}"
    assert replaced["in_print"] is True, f"[R3] an omitted boolean is reset: {replaced!r}"
    assert replaced["status"] == "draft", f"[R3] an omitted default is restored: {replaced!r}"
    expect_validation(alice.put(path, {"title": "Only"}), REQUIRED - {"title"}, "R3 (PUT)")
    patched = expect(alice.patch(path, {"pages": 7}), 200, "R3 (PATCH)").json()
    assert patched["pages"] == 7, f"[R3] {patched!r}"
    unchanged = {k: v for k, v in patched.items() if k not in {"pages", "updated_at"}}
    assert unchanged == {k: v for k, v in replaced.items() if k in unchanged}, (
        f"[R3] PATCH changed only pages: {patched!r} after {replaced!r}"
    )


def test_r4_references_are_hyperlinks(service: Service, alice: Client) -> None:
    author, other = new_author(alice), new_author(alice)
    book = new_book(alice, author)
    assert book["author"] == author["url"], f"[R4] the author's URL: {book!r}"
    assert_absolute(book["author"], service, "R4/C19")
    path = path_of(book["url"])
    moved = expect(alice.patch(path, {"author": other["url"]}), 200, "R4 (PATCH)").json()
    assert moved["author"] == other["url"], f"[R4] {moved!r}"
    missing = f"{service.base_url}{AUTHORS}987654321/"
    expect_validation(alice.post(BOOKS, book_body(author, author=missing)), {"author"}, "R4")
    item = alice.create(name=f"Not an author {token()}")
    answer = alice.post(BOOKS, book_body(author, author=item["url"]))
    expect_validation(answer, {"author"}, "R4 (another resource's URL)")
    expect_validation(alice.post(BOOKS, book_body(author, author=None)), {"author"}, "R4")


def test_r5_an_object_referred_to_is_not_deleted(alice: Client) -> None:
    author = new_author(alice)
    book = new_book(alice, author)
    author_path, book_path = path_of(author["url"]), path_of(book["url"])
    problem = expect_problem(alice.delete(author_path), 409, "R5")
    assert "(books)" in str(problem.get("detail")), f"[R5] the detail names books: {problem!r}"
    expect(alice.get(author_path), 200, "R5 (nothing deleted)")
    expect(alice.get(book_path), 200, "R5 (nothing deleted)")
    expect(alice.delete(book_path), 204, "R5")
    expect(alice.delete(author_path), 204, "R5 (once nothing refers to it)")
    expect_problem(alice.get(author_path), 404, "R5")


def test_r6_search_and_ordering(alice: Client) -> None:
    author, tag = new_author(alice), token()
    first = new_book(alice, author, title=f"Alpha {tag}", price="3.00", pages=30)
    second = new_book(alice, author, summary=f"About {tag.upper()}", price="1.00", pages=10)
    third = new_book(alice, author, contact=f"{tag}@example.com", price="3.00", pages=20)
    new_book(alice, author, title="Unrelated")
    search = {"search": tag}
    found = expect(alice.get(BOOKS, params=search), 200, "R6 (search)")
    assert ids(found) == [first["id"], second["id"], third["id"]], f"[R6] {show(found)}"
    for ordering, expected in (
        ("price", [second, first, third]),  # a tie is broken by id
        ("-price", [third, first, second]),
        ("pages", [second, third, first]),
        ("-created_at", [third, second, first]),
    ):
        answer = expect(alice.get(BOOKS, params={**search, "ordering": ordering}), 200, "R6")
        assert ids(answer) == [b["id"] for b in expected], f"[R6 {ordering}] {show(answer)}"


def test_r7_filters(alice: Client) -> None:
    author, other, tag = new_author(alice), new_author(alice), token()
    draft = new_book(alice, author, title=f"Draft {tag}")
    printed = new_book(alice, other, title=f"Out {tag}", status="published", in_print=False)
    for params, expected in (
        ({"in_print": "false"}, [printed]),
        ({"in_print": "true"}, [draft]),
        ({"in_print": "maybe"}, [draft, printed]),  # ignored, as C17
        ({"status": "published"}, [printed]),
        ({"author": str(author["id"])}, [draft]),
        # An empty value filters nothing, as django-filter has it.
        ({"status": "", "author": ""}, [draft, printed]),
    ):
        answer = expect(alice.get(BOOKS, params={"search": tag, **params}), 200, f"R7 {params}")
        assert ids(answer) == [b["id"] for b in expected], f"[R7 {params}] {show(answer)}"
    # A value that is not one of the choices is refused, naming the parameter and the reason
    # in django-filter's words on both frameworks (not the parameter's description).
    refused = "Select a valid choice. {} is not one of the available choices."
    for name, value, reason in (
        ("status", "lost", refused.format("lost")),
        ("author", "987654321", refused.format("That choice")),
    ):
        problem = expect_problem(alice.get(BOOKS, params={name: value}), 400, f"R7 {name}")
        assert (problem.get("errors") or {}).get(name) == [reason], f"[R7] {problem!r}"


def test_r8_the_schema_describes_the_resources(anon: Client) -> None:
    schema = expect(anon.get("/api/schema/"), 200, "R8").json()
    for collection in (AUTHORS, BOOKS):
        paths = [p for p in schema["paths"] if p.startswith(collection)]
        assert len(paths) == 2, f"[R8] both paths of {collection}: {sorted(schema['paths'])}"


def test_only_the_owner_changes_an_object(alice: Client, bob: Client) -> None:
    book = new_book(alice, new_author(alice))
    path = path_of(book["url"])
    expect_problem(bob.patch(path, {"pages": 1}), (403, 404), "R/C35 (another's object)")
    expect_problem(bob.delete(path), (403, 404), "R/C35 (another's object)")
    assert expect(alice.get(path), 200, "R/C35").json() == book, "[R/C35] bob changed it"


def test_pages_link_absolutely(service: Service, alice: Client) -> None:
    author, tag = new_author(alice), token()
    books = [new_book(alice, author, title=f"Paged {tag} {number}") for number in range(3)]
    page = expect(alice.get(BOOKS, params={"search": tag, "page_size": "2"}), 200, "R/C10")
    body = page.json()
    assert body["count"] == 3, f"[R/C10] {body!r}"
    assert ids(page) == [b["id"] for b in books[:2]], f"[R/C10] {body!r}"
    following = alice.get(path_of(assert_absolute(body["next"], service, "R/C10 (next)")))
    expect(following, 200, "R/C10 (next)")
    assert ids(following) == [books[2]["id"]], f"[R/C10] {show(following)}"
