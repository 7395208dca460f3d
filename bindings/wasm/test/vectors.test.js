// The repository's conformance vectors, through the npm package: key sets, token decryption
// (every status, every field), byte-exact sharing encryption and email/phone normalization.
// The same vectors run natively (cargo test --test conformance) and under WASI (.ci/wasm);
// here they check that nothing is lost or renamed on the way to JavaScript.
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { packageDir, vectors, knownDivergences } = require('./support.js');

const uid2 = require(packageDir);
const known = knownDivergences();

function keySet(body) {
  return body === null ? null : uid2.KeySet.parse(JSON.stringify({ body, status: 'success' }));
}

/** A decryption result in the vectors' vocabulary. */
function outcome(r) {
  const o = { status: r.status };
  if (r.advertisingTokenVersion !== null) {
    Object.assign(o, {
      established_ms: r.established,
      site_id: r.siteId,
      site_key_site_id: r.siteKeySiteId ?? -1,
      identity_scope: r.identityScope,
      identity_type: r.identityType,
      advertising_token_version: r.advertisingTokenVersion,
      is_client_side_generated: r.isClientSideGenerated,
      expiry_ms: r.expiry,
    });
  }
  if (r.status === 'SUCCESS') o.uid = r.uid;
  return o;
}

/** Every member of `expected` must equal the same member of `actual` (absent = null). */
function compare(expected, actual, what) {
  for (const [key, want] of Object.entries(expected)) {
    assert.deepEqual(actual[key] ?? null, want, `${what}: ${key}`);
  }
}

function decryptCase(body, client, domain, now, token, expected, what) {
  const keys = keySet(body);
  try {
    compare(expected, outcome(uid2.decrypt(keys, token, { client, domain, now })), what);
  } finally {
    keys?.free();
  }
}

/** Replays `bytes` through crypto.getRandomValues while `f` runs; returns f's value. */
function withReplayedRandom(bytes, f) {
  const original = crypto.getRandomValues;
  let offset = 0;
  crypto.getRandomValues = (view) => {
    if (offset + view.length > bytes.length) throw new Error('replayed random bytes ran out');
    view.set(bytes.subarray(offset, offset + view.length));
    offset += view.length;
    return view;
  };
  try {
    return f();
  } finally {
    crypto.getRandomValues = original;
  }
}

function run(file, name, body) {
  const reason = known.get(`${file}/${name}`);
  test(`${file} / ${name}`, reason === undefined ? {} : { todo: reason }, body);
}

// The package is built without the core's `legacy-v2` feature: v2 tokens (AES-CBC, no MAC)
// are refused. Every v2 vector that decrypts natively must give VERSION_NOT_SUPPORTED here;
// v2 vectors that fail for another reason are skipped.
function isV2(c) {
  return c.token_params?.version === 2 || Buffer.from(c.token.slice(0, 4), 'base64')[0] === 2;
}

for (const file of ['uid2-client-python-2.9.0/tokens.json', 'tokens_extra.json']) {
  for (const c of vectors(file)) {
    if (isV2(c) && c.expected.status !== 'SUCCESS') {
      test(`${file} / ${c.name}`, { skip: 'v2 token decryption is not in this package' });
      continue;
    }
    if (isV2(c)) {
      test(`${file} / ${c.name}: refused (v2)`, () => {
        decryptCase(c.keyset, c.client_type, c.domain_or_app_name, c.now_ms, c.token,
          { status: 'VERSION_NOT_SUPPORTED' }, c.name);
      });
      continue;
    }
    run(file, c.name, () => {
      decryptCase(c.keyset, c.client_type, c.domain_or_app_name, c.now_ms, c.token, c.expected, c.name);
    });
  }
}

for (const file of ['uid2-client-python-2.9.0/sharing.json', 'sharing_extra.json']) {
  for (const c of vectors(file)) {
    run(file, c.name, () => {
      const keys = keySet(c.keyset);
      let result;
      try {
        const encryptIt = () => uid2.encrypt(keys, c.raw_uid, { now: c.now_ms, keysetId: c.keyset_id ?? undefined });
        result = c.nonces === undefined
          ? encryptIt()
          : withReplayedRandom(
            Buffer.concat([
              Buffer.from(c.nonces.site_payload_nonce, 'base64'),
              Buffer.from(c.nonces.master_payload_nonce, 'base64'),
            ]),
            encryptIt,
          );
      } finally {
        keys?.free();
      }
      assert.equal(result.status, c.expected.status, 'status');
      if (c.expected.token !== undefined) assert.equal(result.token, c.expected.token, 'token');
      for (const check of c.decrypt_checks ?? []) {
        decryptCase(check.keyset, check.client_type, null, check.now_ms, result.token, check.expected, check.name);
      }
    });
  }
}

for (const c of vectors('uid2-client-python-2.9.0/normalization.json')) {
  run('uid2-client-python-2.9.0/normalization.json', c.name, () => {
    const [normalize, hash] = c.kind === 'email'
      ? [uid2.normalizeEmail, uid2.hashEmail]
      : [uid2.normalizePhone, uid2.hashPhone];
    if (!c.expected.valid) {
      assert.throws(() => normalize(c.input), { name: 'Uid2Error', code: c.kind === 'email' ? 'INVALID_EMAIL' : 'INVALID_PHONE' });
      assert.throws(() => hash(c.input), { name: 'Uid2Error' });
      return;
    }
    assert.equal(normalize(c.input), c.expected.normalized);
    assert.equal(hash(c.input), c.expected.hash);
  });
}

for (const c of vectors('uid2-client-python-2.9.0/keysets.json')) {
  run('uid2-client-python-2.9.0/keysets.json', c.name, () => {
    if (!c.expected.parse_ok) {
      assert.throws(() => uid2.KeySet.parse(c.document), { name: 'Uid2Error', code: 'INVALID_KEY_SET' });
      return;
    }
    const keys = uid2.KeySet.parse(c.document);
    try {
      assert.equal(keys.identityScope, c.expected.identity_scope);
      assert.equal(keys.keyCount, c.expected.keys.length);
      assert.equal(keys.callerSiteId ?? null, c.expected.caller_site_id);
      const expiries = c.expected.keys.map((k) => k.expires_ms);
      assert.equal(keys.latestExpiry ?? null, expiries.length === 0 ? null : Math.max(...expiries));
      for (const q of c.expected.queries ?? []) assert.equal(keys.isValid(q.now_ms), q.keys_valid, `keys_valid at ${q.now_ms}`);
    } finally {
      keys.free();
    }
  });
}
