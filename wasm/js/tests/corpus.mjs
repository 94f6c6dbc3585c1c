// Decides every case of a cases file (written by tests/node.rs) through both
// JS packages and compares with the native answers the file carries.
//
// usage: node corpus.mjs PACKAGES_DIR CASES_JSON
// Prints one line per package, "FLAVOUR: N requests, M invalid files", and
// exits 1 on the first difference.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import assert from "node:assert/strict";

const [packages, casesFile] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesFile, "utf8"));

// The fields of a thrown TesseraError that the native error object has.
function errorFields(error, expected) {
  assert.equal(error.name, "TesseraError", `not a TesseraError: ${error}`);
  assert.ok(error instanceof Error);
  const fields = {};
  for (const key of Object.keys(expected)) fields[key] = error[key];
  return fields;
}

// The decision, or the error answer, as the native layer shapes them.
function answer(call) {
  try {
    return call();
  } catch (error) {
    return { error: errorFields(error, {}), thrown: error };
  }
}

function check(flavour, tessera) {
  let requests = 0;
  for (const set of cases.sets) {
    const engine = new tessera.Engine(set.sources);
    assert.equal(engine.statementCount, set.statements, set.name);
    for (const c of set.cases) {
      const where = `${flavour} / ${set.name} / ${c.name}`;
      for (const [method, expected] of [["evaluate", c.expected], ["explain", c.explained]]) {
        const got = answer(() => engine[method](c.request, { now: cases.now_ms }));
        if (expected.error) {
          assert.ok(got.thrown, `${where}: ${method} should throw ${JSON.stringify(expected)}`);
          assert.deepEqual(errorFields(got.thrown, expected.error), expected.error, where);
        } else {
          assert.deepEqual(got, expected, `${where} (${method})`);
        }
      }
      // The request as JSON text decides the same as the object.
      if (typeof c.request === "object" && !c.expected.error) {
        const fromText = engine.evaluate(JSON.stringify(c.request), { now: new Date(cases.now_ms) });
        assert.deepEqual(fromText, c.expected, `${where} (as text)`);
      }
      requests += 1;
    }
    engine.free();
  }
  let invalid = 0;
  for (const c of cases.invalid) {
    const got = answer(() => new tessera.Engine(c.sources));
    assert.ok(got.thrown, `${flavour} / ${c.sources[0].name} should not compile`);
    assert.deepEqual(errorFields(got.thrown, c.expected.error), c.expected.error, c.sources[0].name);
    invalid += 1;
  }
  console.log(`${flavour}: ${requests} requests, ${invalid} invalid files`);
}

const require = createRequire(import.meta.url);
check("node", require(join(packages, "js/node/tessera.js")));

const web = await import(pathToFileURL(join(packages, "js/web/tessera.js")).href);
web.initSync({ module: readFileSync(join(packages, "js/web/tessera_bg.wasm")) });
check("web", web);
