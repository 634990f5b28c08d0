"""The multipart/form-data reader: what browsers, curl and requests send, and what they never do."""

from __future__ import annotations

import pytest
import requests

from mnist_app.web.multipart import form_field
from mnist_app.web.protocol import HttpError, parse_header_value
from mnist_app.web.settings import MAX_MULTIPART_PARTS, MAX_PART_HEADER_BYTES

PNG_BYTES = b"\x89PNG\r\n\x1a\n\r\n--not-the-boundary\r\n\x00\xff"  # CRLFs and dashes inside the data


def test_reads_the_field_requests_builds():
    prepared = requests.Request("POST", "http://127.0.0.1/", files={"image": ("d.png", PNG_BYTES, "image/png")},
                                data={"other": "1"}).prepare()
    media_type, params = parse_header_value(prepared.headers["Content-Type"])
    assert media_type == "multipart/form-data"
    assert form_field(prepared.body, params["boundary"], "image") == PNG_BYTES


@pytest.mark.parametrize("body", [
    b"preamble to ignore\r\n--B\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\nDATA\r\n--B--",
    b"--B  \r\ncontent-disposition: form-data; name=image\r\n\r\nDATA\r\n--B--\r\nepilogue",
    b"--B\r\n\r\nno headers\r\n--B\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\nDATA\r\n--B--",
])
def test_tolerates_what_rfc_7578_allows(body):
    assert form_field(body, "B", "image") == b"DATA"


def test_two_fields_of_one_name_are_400_naming_the_field():
    """Which of two images was meant cannot be told: neither is read."""
    prepared = requests.Request("POST", "http://127.0.0.1/", files=[("image", ("a.png", PNG_BYTES, "image/png")),
                                                                    ("image", ("b.png", b"SECOND", "image/png"))],
                                data={"other": "1"}).prepare()
    _, params = parse_header_value(prepared.headers["Content-Type"])
    with pytest.raises(HttpError, match="2 'image' fields; send one per request") as raised:
        form_field(prepared.body, params["boundary"], "image")
    assert raised.value.status == 400
    assert form_field(prepared.body, params["boundary"], "other") == b"1"  # the other fields stay readable


def test_an_empty_field_is_empty():
    assert form_field(b'--B\r\nContent-Disposition: form-data; name="image"\r\n\r\n\r\n--B--', "B", "image") == b""


@pytest.mark.parametrize("body, message", [
    (b"--B\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\nDATA", "not terminated"),
    (b"--B", "ends inside a boundary line"),
    (b"--B\r\nContent-Disposition form-data\r\n\r\nDATA\r\n--B--", "malformed multipart part header"),
    (b"--B\r\nX: " + b"y" * MAX_PART_HEADER_BYTES + b"\r\n\r\nDATA\r\n--B--", "part headers missing or over"),
    (b"--B\r\nContent-Disposition: form-data; name=\"image\"\r\n", "part headers missing"),
    (b"--B\r\n\r\nx\r\n" * (MAX_MULTIPART_PARTS + 1) + b"--B--", f"more than {MAX_MULTIPART_PARTS} parts"),
    (b"--B\r\nContent-Disposition: attachment; name=\"image\"\r\n\r\nDATA\r\n--B--", "no 'image' field"),
])
def test_malformed_bodies_are_400_with_the_reason(body, message):
    with pytest.raises(HttpError, match=message) as raised:
        form_field(body, "B", "image")
    assert raised.value.status == 400


def test_exactly_the_part_limit_is_accepted():
    body = b"--B\r\n\r\nx\r\n" * (MAX_MULTIPART_PARTS - 1)
    body += b'--B\r\nContent-Disposition: form-data; name="image"\r\n\r\nDATA\r\n--B--'
    assert form_field(body, "B", "image") == b"DATA"
