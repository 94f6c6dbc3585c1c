// Decides every case of a cases file (written by tests/node.rs) with an
// Auditor, through both JS packages: the decisions are the native ones, and
// the records go to OUT_DIR/audit-FLAVOUR.jsonl for the Rust test to verify.
// Also: callbacks that throw or return false, best-effort mode, bad options.
//
// usage: node audit.mjs PACKAGES_DIR CASES_JSON OUT_DIR KEY_TEXT SECRET
// Prints one line per package, "audit FLAVOUR: N records", and exits 1 on
// the first difference.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import assert from "node:assert/strict";

const [packages, casesFile, outDir, keyText, secret] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesFile, "utf8"));
const key = new TextEncoder().encode(keyText);

function thrown(call) {
  try {
    call();
  } catch (error) {
    return error;
  }
  assert.fail("should have thrown");
}

function check(flavour, tessera) {
  const records = [];
  const auditor = new tessera.Auditor((record) => { records.push(record); }, {
    mode: "blocking", key, mask: ["context.ticket"], drop: ["principal.tags.*"],
  });
  assert.equal(auditor.mode, "blocking");
  let decisions = 0;
  for (const set of cases.sets) {
    const engine = new tessera.Engine(set.sources);
    for (const c of set.cases) {
      const where = `${flavour} / ${set.name} / ${c.name}`;
      for (const [method, expected] of [["evaluate", c.expected], ["explain", c.explained]]) {
        if (expected.error) {
          const error = thrown(() => auditor[method](engine, c.request, { now: cases.now_ms }));
          assert.equal(error.name, "TesseraError", where);
          assert.equal(error.kind, expected.error.kind, where);
          continue;
        }
        assert.deepEqual(auditor[method](engine, c.request, { now: cases.now_ms }), expected,
          `${where} (${method})`);
        decisions += 1;
        // With secrets in its context the request decides as unaudited.
        if (typeof c.request === "object") {
          const request = structuredClone(c.request);
          request.context = { ...(request.context ?? {}), session_token: secret, db_password: secret };
          assert.deepEqual(auditor[method](engine, request, { now: cases.now_ms }),
            engine[method](request, { now: cases.now_ms }), `${where} (${method}, secrets)`);
          decisions += 1;
        }
      }
    }
    engine.free();
  }
  assert.equal(records.length, decisions, `${flavour}: one record per decision`);
  assert.equal(auditor.failures, 0);
  assert.equal(auditor.head.next_seq, decisions);
  const last = JSON.parse(records[records.length - 1]);
  assert.equal(auditor.head.prev, last.mac);
  assert.ok(!records.some((r) => r.includes(secret)), `${flavour}: a secret reached a record`);
  writeFileSync(join(outDir, `audit-${flavour}.jsonl`), records.map((r) => r + "\n").join(""));
  auditor.free();

  // A failing callback: blocking denies with audit_failed; best effort counts.
  const engine = new tessera.Engine('policy "p" { allow "x" { principal * action * resource app/** } }');
  const request = { principal: "user:a", action: "secrets:GetSecretValue", resource: "app/db" };
  const denied = { decision: "deny", reason: "audit_failed", determining: [] };
  for (const callback of [() => false, () => { throw new Error("disk full"); }]) {
    const failing = new tessera.Auditor(callback);
    assert.deepEqual(failing.evaluate(engine, request), denied);
    assert.deepEqual(failing.explain(engine, request), denied);
    assert.equal(failing.failures, 2);
    const lenient = new tessera.Auditor(callback, { mode: "best_effort" });
    assert.equal(lenient.evaluate(engine, request).decision, "allow");
    assert.equal(lenient.failures, 1);
    failing.free();
    lenient.free();
  }
  // A callback that decides with an auditor fails its write, never the module.
  let inner;
  const reentrant = new tessera.Auditor(() => {
    inner = thrown(() => reentrant.evaluate(engine, request));
    throw inner; // the write fails
  });
  assert.deepEqual(reentrant.evaluate(engine, request), denied);
  assert.equal(inner.kind, "audit");
  assert.equal(inner.code, "reentrant");
  // Record ids differ between auditors (each seeded from crypto).
  const ids = [];
  for (let i = 0; i < 2; i += 1) {
    const a = new tessera.Auditor((r) => { ids.push(JSON.parse(r).id); });
    a.evaluate(engine, request);
    a.free();
  }
  assert.notEqual(ids[0], ids[1]);
  // Bad options and callbacks throw TesseraErrors.
  for (const [callback, options] of [
    [42, undefined],
    [() => {}, { mode: "sometimes" }],
    [() => {}, { key: "not bytes" }],
    [() => {}, { key: new Uint8Array(0) }],
    [() => {}, { mask: ["contxt.ticket"] }],
    [() => {}, { drop: "source_ip" }],
    [() => {}, 7],
  ]) {
    const error = thrown(() => new tessera.Auditor(callback, options));
    assert.equal(error.name, "TesseraError");
    assert.equal(error.kind, "invalid_argument", `${JSON.stringify(options)}: ${error.message}`);
  }
  assert.match(thrown(() => new tessera.Auditor(() => {}, { mask: ["contxt.ticket"] })).message,
    /context\.ticket/);
  console.log(`audit ${flavour}: ${records.length} records`);
}

const require = createRequire(import.meta.url);
check("node", require(join(packages, "js/node/tessera.js")));

const web = await import(pathToFileURL(join(packages, "js/web/tessera.js")).href);
web.initSync({ module: readFileSync(join(packages, "js/web/tessera_bg.wasm")) });
check("web", web);
