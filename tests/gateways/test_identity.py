"""The device identity file and the v3 signature the gateway verifies."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mission_control.integrations.openclaw.identity import (
    IdentityError,
    b64url_decode,
    load_or_create,
    normalize_metadata,
    signature_payload,
)


def test_created_once_private_and_stable(data_dir: Path) -> None:
    identity = load_or_create(data_dir)
    path = data_dir / "identity" / "device.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    stored = json.loads(path.read_text())
    raw = base64.urlsafe_b64decode(stored["publicKey"] + "=")
    assert len(raw) == 32 and "=" not in stored["publicKey"]
    assert stored["deviceId"] == hashlib.sha256(raw).hexdigest() == identity.device_id
    assert identity.public_key == stored["publicKey"]
    again = load_or_create(data_dir)
    assert again.device_id == identity.device_id


def test_loosened_file_is_tightened(data_dir: Path) -> None:
    load_or_create(data_dir)
    path = data_dir / "identity" / "device.json"
    os.chmod(path, 0o644)
    load_or_create(data_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "content",
    ['{"privateKey": "short"}', "not json", '{"deviceId": "0000", "privateKey": null}'],
)
def test_damaged_file_is_refused_not_replaced(data_dir: Path, content: str) -> None:
    folder = data_dir / "identity"
    folder.mkdir(mode=0o700)
    path = folder / "device.json"
    path.write_text(content)
    os.chmod(path, 0o600)
    with pytest.raises(IdentityError, match=r"damaged|does not match"):
        load_or_create(data_dir)
    assert path.read_text() == content  # a paired identity is never silently replaced


def test_mismatched_device_id_is_refused(data_dir: Path) -> None:
    load_or_create(data_dir)
    path = data_dir / "identity" / "device.json"
    stored = json.loads(path.read_text())
    stored["deviceId"] = "0" * 64
    path.write_text(json.dumps(stored))
    with pytest.raises(IdentityError, match="does not match"):
        load_or_create(data_dir)


def test_v3_payload_and_signature_verify_with_the_public_key(data_dir: Path) -> None:
    identity = load_or_create(data_dir)
    payload = signature_payload(
        device_id=identity.device_id,
        client_id="gateway-client",
        client_mode="backend",
        role="operator",
        scopes=["operator.read", "operator.write"],
        signed_at=1796185974997,
        token="tok",
        nonce="n-1",
        platform=" Linux ",
        device_family=None,
    )
    assert payload == (
        f"v3|{identity.device_id}|gateway-client|backend|operator|"
        "operator.read,operator.write|1796185974997|tok|n-1|linux|"
    )
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(identity.public_key))
    public.verify(b64url_decode(identity.sign(payload)), payload.encode())


def test_metadata_lowercases_ascii_only() -> None:
    assert normalize_metadata("MacOS") == "macos"
    assert normalize_metadata("ÄPFEL") == "Äpfel"  # as the gateway does: A-Z only
    assert normalize_metadata(None) == ""
