"""Drives the official Python SDK (uid2-client 2.9.0) against the Rust local operator.

Usage: python_interop.py INPUT.json OUTPUT.json

INPUT.json is written by the Rust test (tests/python_interop.rs): the operator's base URL and
test credentials, tokens the Rust core produced, and the raw UIDs the operator should return.
OUTPUT.json gets what the Rust side checks in turn (a sharing token the official SharingClient
encrypted, an advertising token the official publisher client obtained). Every check prints
PASS or FAIL; the exit status is 1 when any check failed.
"""

import datetime as dt
import json
import sys
import traceback

from uid2_client import (
    BidstreamClient,
    IdentityMapClient,
    IdentityMapInput,
    IdentityMapV3Client,
    IdentityMapV3Input,
    SharingClient,
    TokenGenerateInput,
    Uid2PublisherClient,
)
from uid2_client.unmapped_identity_reason import UnmappedIdentityReason

RESULTS = []


def check(name, condition, detail=""):
    RESULTS.append((name, bool(condition), detail))
    print(("PASS " if condition else "FAIL ") + name + ("" if condition else ": " + str(detail)), flush=True)
    return bool(condition)


def step(name, fn):
    """Runs fn; an exception is a failed check."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - every failure is reported, none is fatal
        check(name, False, "%s: %s" % (type(exc).__name__, exc))
        traceback.print_exc()
        return None


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    base, key, secret = cfg["base_url"], cfg["api_key"], cfg["client_secret"]
    expected = cfg["raw_uids"]
    out = {}

    # --- BidstreamClient: key refresh and decryption of a token the operator generated.
    bidstream = BidstreamClient(base, key, secret)
    refreshed = step("bidstream refresh", bidstream.refresh)
    if refreshed is not None and check("bidstream refresh", refreshed.success, getattr(refreshed, "reason", "")):
        res = step("bidstream decrypt", lambda: bidstream.decrypt_token_into_raw_uid(cfg["advertising_token"], "example.com"))
        if res is not None:
            check("bidstream decrypt operator token", res.success and res.uid == expected["bidstream@example.com"],
                  "status=%s uid=%s" % (res.status, res.uid))
            check("bidstream token site id", res.site_id == cfg["site_id"], res.site_id)

    # --- SharingClient: decrypt a Rust-encrypted sharing token, encrypt one for Rust.
    sharing = SharingClient(base, key, secret)
    refreshed = step("sharing refresh", sharing.refresh)
    if refreshed is not None and check("sharing refresh", refreshed.success, getattr(refreshed, "reason", "")):
        res = step("sharing decrypt", lambda: sharing.decrypt_token_into_raw_uid(cfg["rust_sharing_token"]))
        if res is not None:
            check("sharing decrypt of a Rust-encrypted token", res.success and res.uid == cfg["rust_sharing_raw_uid"],
                  "status=%s uid=%s" % (res.status, res.uid))
        enc = step("sharing encrypt", lambda: sharing.encrypt_raw_uid_into_token(cfg["python_sharing_raw_uid"]))
        if enc is not None and check("sharing encrypt", enc.success, enc.status):
            out["python_sharing_token"] = enc.encrypted_data
            back = sharing.decrypt_token_into_raw_uid(enc.encrypted_data)
            check("sharing round trip in Python", back.success and back.uid == cfg["python_sharing_raw_uid"], back.status)

    # --- Uid2PublisherClient: generate and refresh identities.
    publisher = Uid2PublisherClient(base, key, secret)
    gen = step("publisher generate", lambda: publisher.generate_token(TokenGenerateInput.from_email("Publisher@Example.com")))
    if gen is not None and check("publisher generate", gen.is_success(), gen.status if hasattr(gen, "status") else ""):
        identity = gen.get_identity()
        out["python_advertising_token"] = identity.get_advertising_token()
        res = bidstream.decrypt_token_into_raw_uid(identity.get_advertising_token(), "example.com")
        check("generated token decrypts to the mapped raw UID", res.success and res.uid == expected["publisher@example.com"],
              "status=%s uid=%s" % (res.status, res.uid))
        ref = step("publisher refresh", lambda: publisher.refresh_token(identity))
        if ref is not None and check("publisher refresh", ref.is_success(), ref.get_identity_json_string()):
            new_identity = ref.get_identity()
            check("refresh issues a new refresh token",
                  new_identity.get_refresh_token() != identity.get_refresh_token())
            ref2 = step("publisher second refresh", lambda: publisher.refresh_token(new_identity))
            if ref2 is not None:
                check("publisher second refresh (newest refresh_response_key)", ref2.is_success())
    phone = step("publisher generate phone", lambda: publisher.generate_token(TokenGenerateInput.from_phone("+12345678901")))
    if phone is not None:
        check("publisher generate phone", phone.is_success())
    opt = step("publisher generate opted-out", lambda: publisher.generate_token(TokenGenerateInput.from_email(cfg["opted_out_email"])))
    if opt is not None:
        check("generate for an opted-out email answers optout", opt.is_optout() and opt.get_identity() is None)
    ro = step("publisher refresh-optout", lambda: publisher.generate_token(TokenGenerateInput.from_email("refresh-optout@example.com")))
    if ro is not None and check("generate refresh-optout identity", ro.is_success()):
        ref = step("refresh of refresh-optout", lambda: publisher.refresh_token(ro.get_identity()))
        if ref is not None:
            check("refresh of the refresh-optout identity answers optout", ref.is_optout())

    # --- IdentityMapClient (v2) and buckets.
    v2 = IdentityMapClient(base, key, secret)
    emails = ["mapped@example.com", "Mapped.Other@gmail.com", cfg["opted_out_email"]]
    resp = step("identity map v2", lambda: v2.generate_identity_map(IdentityMapInput.from_emails(emails)))
    if resp is not None and check("identity map v2", resp.is_success()):
        m = resp.mapped_identities.get("mapped@example.com")
        check("identity map v2 raw UID", m is not None and m.get_raw_uid() == expected["mapped@example.com"],
              m and m.get_raw_uid())
        check("identity map v2 bucket id", m is not None and m.get_bucket_id().startswith("bucket"))
        u = resp.unmapped_identities.get(cfg["opted_out_email"])
        check("identity map v2 opt-out", u is not None and u.get_reason() == "optout", u and u.get_reason())
    since = dt.datetime.now(tz=dt.timezone.utc) - dt.timedelta(days=400)
    buckets = step("identity buckets", lambda: v2.get_identity_buckets(since))
    if buckets is not None:
        check("identity buckets", buckets.is_success() and len(buckets.buckets) == cfg["salt_buckets"],
              len(buckets.buckets))

    # --- IdentityMapV3Client (binary).
    v3 = IdentityMapV3Client(base, key, secret)
    v3_input = IdentityMapV3Input.from_emails(emails).with_phones(["+12345678901", cfg["opted_out_phone"]])
    resp = step("identity map v3", lambda: v3.generate_identity_map(v3_input))
    if resp is not None and check("identity map v3", resp.is_success()):
        m = resp.mapped_identities.get("mapped@example.com")
        check("identity map v3 email raw UID", m is not None and m.current_raw_uid == expected["mapped@example.com"],
              m and m.current_raw_uid)
        p = resp.mapped_identities.get("+12345678901")
        check("identity map v3 phone raw UID", p is not None and p.current_raw_uid == expected["+12345678901"],
              p and p.current_raw_uid)
        check("identity map v3 refresh_from in the future",
              m is not None and m.refresh_from > dt.datetime.now(tz=dt.timezone.utc))
        for dii in (cfg["opted_out_email"], cfg["opted_out_phone"]):
            u = resp.unmapped_identities.get(dii)
            check("identity map v3 opt-out (%s)" % ("phone" if dii.startswith("+") else "email"),
                  u is not None and u.reason == UnmappedIdentityReason.OPTOUT, u and u.raw_reason)

    with open(sys.argv[2], "w") as f:
        json.dump(out, f)
    failed = [r for r in RESULTS if not r[1]]
    print("python interop: %d passed, %d failed" % (len(RESULTS) - len(failed), len(failed)), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
