"""Seeds fuzz/seeds/ from the project's test vectors (key-set documents, tokens, operator
documents). Run from fuzz/: python3 seed.py"""
import hashlib
import json
import os

VECTORS = "../test-vectors"
PYTHON = os.path.join(VECTORS, "uid2-client-python-2.9.0")


def save(target, data):
    folder = os.path.join("seeds", target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def strings(node, keep):
    """Every string value in a JSON tree whose member name and value satisfy keep(name, value)."""
    if isinstance(node, dict):
        for name, value in node.items():
            if isinstance(value, str) and keep(name, value):
                yield value
            else:
                yield from strings(value, keep)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value, keep)


def load(path):
    with open(path) as f:
        return json.load(f)


for doc in strings(load(os.path.join(PYTHON, "keysets.json")), lambda n, v: n == "document"):
    save("keyset_parse", doc)

tokens = set()
for path in [os.path.join(PYTHON, "tokens.json"), os.path.join(PYTHON, "sharing.json"),
             os.path.join(VECTORS, "tokens_extra.json")]:
    tokens.update(strings(load(path), lambda n, v: "token" in n.lower() and len(v) > 20))
for i, token in enumerate(sorted(tokens)):
    # The first byte picks scope, client kind and domain.
    save("decrypt", bytes([i % 32]) + token.encode())

documents = set()
for name in ["identity_map.json", "identity_tokens.json", "envelope.json"]:
    documents.update(strings(load(os.path.join(PYTHON, name)), lambda n, v: v.startswith("{")))
for doc in sorted(documents):
    save("operator_documents", doc)
