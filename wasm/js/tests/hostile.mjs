// Hostile and careless input to the Node package: every call either answers
// or throws a TesseraError; the module keeps working afterwards.
//
// usage: node hostile.mjs PACKAGES_DIR
// Prints "hostile: N cases" and exits 1 on the first surprise.
import { createRequire } from "node:module";
import { join } from "node:path";
import assert from "node:assert/strict";

const [packages] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { Engine, version } = require(join(packages, "js/node/tessera.js"));

const POLICY = 'policy "p" { allow "read" { principal * action secrets:GetSecretValue resource app/** } }';
const REQUEST = { principal: "user:a", action: "secrets:GetSecretValue", resource: "app/db" };
let cases = 0;

// `call` must throw a TesseraError of `kind` (and `code` when given).
function throwsTessera(what, call, kind, code) {
  let thrown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown, `${what}: did not throw`);
  assert.equal(thrown.name, "TesseraError", `${what}: threw ${thrown}`);
  assert.equal(thrown.kind, kind, `${what}: kind ${thrown.kind}: ${thrown.message}`);
  if (code !== undefined) assert.equal(thrown.code, code, `${what}: code ${thrown.code}`);
  assert.ok(thrown.message.length > 0, `${what}: empty message`);
  cases += 1;
}

// The module still compiles and decides.
function stillWorks(what) {
  const engine = new Engine(POLICY);
  assert.equal(engine.evaluate(REQUEST).decision, "allow", `after ${what}`);
  engine.free();
}

// Sources of the wrong shape.
for (const [what, sources] of [
  ["undefined", undefined],
  ["null", null],
  ["a number", 42],
  ["a symbol", Symbol("x")],
  ["a function", () => 1],
  ["an object without text", { name: "a.policy" }],
  ["an unknown key", { name: "a.policy", text: POLICY, extra: 1 }],
  ["an array of numbers", [1, 2]],
  ["a BigInt", 10n],
]) {
  throwsTessera(`sources: ${what}`, () => new Engine(sources), "invalid_argument", "bad_sources");
}
const cyclic = { name: "a.policy" };
cyclic.text = cyclic;
throwsTessera("sources: cyclic", () => new Engine(cyclic), "invalid_argument", "bad_sources");

// Limits: a pattern past max_pattern_bytes is a compile error naming the
// limit; a request past max_groups a request error; a misspelt limit is an
// invalid argument, never ignored.
throwsTessera("limits: a pattern past max_pattern_bytes", () => new Engine(POLICY, { policy: { max_pattern_bytes: 4 } }), "compile");
throwsTessera("limits: an unknown name", () => new Engine(POLICY, { policy: { max_pattern_byte: 4 } }), "invalid_argument", "bad_limits");
throwsTessera("limits: a string", () => new Engine(POLICY, "max_groups=1"), "invalid_argument", "bad_limits");
{
  const limited = new Engine(POLICY, { request: { max_groups: 1 } });
  throwsTessera(
    "limits: a request past max_groups",
    () => limited.evaluate({ ...REQUEST, principal: { id: "user:a", groups: ["a", "b"] } }),
    "request",
    "limit_exceeded",
  );
  assert.equal(limited.evaluate(REQUEST).decision, "allow");
  limited.free();
  const defaults = new Engine(POLICY, undefined);
  assert.equal(defaults.evaluate(REQUEST).decision, "allow");
  defaults.free();
}

// A schema: requests that do not fit are refused naming the field (never
// its value); a policy reading an undeclared key, a broken schema and a
// schema of the wrong shape are errors; a fitting request is decided.
{
  const SCHEMA = "schema {\n  context.ticket: string optional\n  context.roles: set<string> optional\n}";
  const TICKETED = 'policy "p" { allow "read" { principal * action secrets:GetSecretValue resource app/** when { context.ticket like "CHG-*" } } }';
  const typed = Engine.withSchema(TICKETED, SCHEMA);
  assert.equal(typed.evaluate({ ...REQUEST, context: { ticket: "CHG-1", roles: ["a"] } }).decision, "allow");
  let thrown;
  try {
    typed.evaluate({ ...REQUEST, context: { tikcet: "SECRET-CHG-1" } });
  } catch (error) {
    thrown = error;
  }
  assert.equal(thrown?.kind, "request");
  assert.equal(thrown.field, "context.tikcet");
  assert.ok(!thrown.message.includes("SECRET"), thrown.message);
  throwsTessera("schema: a request of the wrong type", () => typed.evaluate({ ...REQUEST, context: { roles: "a" } }), "request");
  typed.free();
  const named = Engine.withSchema([{ name: "p.policy", text: TICKETED }], [{ name: "app.schema", text: SCHEMA }], { request: { max_groups: 1 } });
  throwsTessera("schema: limits still apply", () => named.evaluate({ ...REQUEST, context: { roles: ["a", "b"] } }), "request", "limit_exceeded");
  named.free();
  let undeclared;
  try {
    Engine.withSchema(TICKETED.replace("context.ticket", "context.tickte"), SCHEMA);
  } catch (error) {
    undeclared = error;
  }
  assert.equal(undeclared?.kind, "compile");
  assert.equal(undeclared.diagnostics[0].code, "undeclared-key");
  assert.equal(undeclared.diagnostics[0].file, "inline.policy");
  cases += 1;
  let broken;
  try {
    Engine.withSchema(TICKETED, "schema {\n  context.ticket: strng\n}");
  } catch (error) {
    broken = error;
  }
  assert.equal(broken?.kind, "compile");
  assert.equal(broken.diagnostics[0].file, "inline.schema");
  assert.equal(broken.diagnostics[0].line, 2);
  cases += 1;
  throwsTessera("schema: a number", () => Engine.withSchema(TICKETED, 42), "invalid_argument", "bad_sources");
}

// Policies that must not parse, or must stop at the nesting limit.
throwsTessera("an empty policy file with garbage", () => new Engine("}{"), "compile");
throwsTessera("100,000 nested parentheses",
  () => new Engine(`policy "p" { allow "x" { principal * action * resource a/** when { ${"(".repeat(100000)}mfa${")".repeat(100000)} } } }`),
  "compile");
// Just under the raw-text limit: pest recurses ~80 levels inside Wasm's
// stack, then the condition limit (64) reports it.
const nested = (depth) =>
  `policy "p" { allow "x" { principal * action * resource a/** when { ${"(".repeat(depth)}mfa${")".repeat(depth)} } } }`;
assert.equal(new Engine(nested(64)).statementCount, 1);
throwsTessera("77 nested parentheses", () => new Engine(nested(77)), "compile");
throwsTessera("10 MB of braces", () => new Engine("{".repeat(10 * 1024 * 1024)), "compile");
throwsTessera("a NUL byte", () => new Engine('policy "p" {\0}'), "compile");
stillWorks("bad policies");

const engine = new Engine(POLICY);
// Requests of the wrong shape.
for (const [what, request, code] of [
  ["undefined", undefined, "not_json"],
  ["a symbol", Symbol("x"), "not_json"],
  ["a BigInt inside", { ...REQUEST, context: { n: 1n } }, "not_json"],
  ["null", null, undefined],
  ["a number", 7, undefined],
  ["an array", [REQUEST], undefined],
  ["garbage text", "\u0000\uffff{{{", undefined],
  ["an empty string", "", undefined],
  ["JSON nested 10,000 deep", `{"principal": ${"[".repeat(10000)}${"]".repeat(10000)}}`, undefined],
  ["a lone surrogate in a string", { ...REQUEST, principal: "user:\ud800" }, undefined],
]) {
  let answer;
  try {
    answer = engine.evaluate(request);
  } catch (error) {
    assert.equal(error.name, "TesseraError", `request: ${what}: threw ${error}`);
    assert.equal(error.kind, "request", `request: ${what}: kind ${error.kind}`);
    if (code !== undefined) assert.equal(error.code, code, `request: ${what}`);
    cases += 1;
    continue;
  }
  // A lone surrogate becomes U+FFFD on the way in: a valid request.
  assert.equal(what, "a lone surrogate in a string", `request: ${what}: answered ${JSON.stringify(answer)}`);
  assert.equal(answer.decision, "allow");
  cases += 1;
}
const cyclicRequest = { ...REQUEST };
cyclicRequest.context = { self: cyclicRequest };
throwsTessera("request: cyclic", () => engine.evaluate(cyclicRequest), "request", "not_json");

// A request over 16 MiB: a request error naming the limit, never a trap;
// one just under the limits is decided.
const huge = JSON.stringify({ ...REQUEST, context: { blob: "x".repeat(16 * 1024 * 1024) } });
throwsTessera("request: over max_bytes", () => engine.evaluate(huge), "request", "limit_exceeded");
const large = JSON.stringify({ ...REQUEST, context: Object.fromEntries(
  Array.from({ length: 200 }, (_, i) => [`blob${i}`, "x".repeat(64 * 1024)])) });
assert.equal(engine.evaluate(large).decision, "allow");
cases += 1;

// Options of the wrong shape.
for (const [what, options] of [
  ["a string", "now"],
  ["NaN", { now: NaN }],
  ["Infinity", { now: Infinity }],
  ["an invalid Date", { now: new Date("nope") }],
  ["a non-RFC 3339 string", { now: "tomorrow" }],
  ["an object", { now: {} }],
  ["out of range", { now: 1e300 }],
]) {
  throwsTessera(`options: ${what}`, () => engine.evaluate(REQUEST, options), "invalid_argument");
}
assert.equal(engine.evaluate(REQUEST, null).decision, "allow");
assert.equal(engine.evaluate(REQUEST, {}).decision, "allow");

// A freed engine: wasm-bindgen's own error, not a crash.
engine.free();
assert.throws(() => engine.evaluate(REQUEST), /null pointer|destroyed|moved/i);
cases += 1;
stillWorks("hostile requests");
assert.match(version(), /^\d+\.\d+\.\d+/);
console.log(`hostile: ${cases} cases`);
