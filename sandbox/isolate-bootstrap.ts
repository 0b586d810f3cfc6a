/**
 * The code that runs inside each fresh isolate before the operator's script: it removes what could
 * bypass a limit, builds `ctx` on top of three host callbacks, and returns two functions the host
 * keeps references to (`deliver` answers queries, `run` calls the script's `main`).
 *
 * It is the body of a function the host calls with the callbacks (see `prepared-isolate.ts`), so
 * the host callbacks (`$0`..`$2`) live only in its scope: script code can call `ctx` methods but
 * never reach a callback, an isolated-vm object or a host object. Intrinsics used after the script started are captured first, so a
 * script that patches `Object`, `Array.prototype` or `JSON` cannot change how its outputs and
 * errors are read. Whatever it returns is untrusted anyway: the host parses and validates it.
 *
 * It knows nothing of the job it will serve, so a worker can run it before the job arrives; `run`
 * gets the script's filename (for positions in stack traces) with the script.
 *
 * Arguments: $0 hostQuery(id, sql, params, shape) → "" or a problem,
 * $1 hostLog(text) → void, $2 hostProgress(fraction, message) → "" or a problem,
 * $3 longest log entry.
 */
export const ISOLATE_BOOTSTRAP = String.raw`"use strict";
const hostQuery = $0, hostLog = $1, hostProgress = $2, maxLogChars = $3;
let scriptFile = "";
const global = globalThis;
const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf, freeze, create } = Object;
const { apply, ownKeys } = Reflect;
const ObjectPrototype = Object.prototype;
const FunctionPrototype = Function.prototype;
const isArray = Array.isArray;
const jsonStringify = JSON.stringify;
const jsonParse = JSON.parse;
const NumberCtor = Number;
const BigIntCtor = BigInt;
const ArrayPrototype = Array.prototype;
const maxSafe = BigIntCtor(Number.MAX_SAFE_INTEGER);
const int64Max = BigIntCtor("9223372036854775807");
const StringCtor = String;
const numberIsFinite = Number.isFinite;
const PromiseCtor = Promise;
const ErrorCtor = Error;
const TypeErrorCtor = TypeError;
const ArrayCtor = Array;
const WeakMapCtor = WeakMap;
const weakMapGet = WeakMap.prototype.get;
const weakMapSet = WeakMap.prototype.set;
// Each row ctx.sql returned → its columns' SQL types: an output column passed through keeps its type.
const rowTypes = new WeakMapCtor();
const stringSlice = String.prototype.slice;
const regExpExec = RegExp.prototype.exec;
const NaNValue = NaN;

// Code generation from strings and WebAssembly would let a script run code the limits do not
// see (WebAssembly memory is not counted by the isolate's heap limit); SharedArrayBuffer and
// Atomics only serve shared-memory tricks. isolated-vm allows eval and new Function, so they go here.
for (const name of ["eval", "Function", "console", "WebAssembly", "SharedArrayBuffer", "Atomics"]) {
  delete global[name];
}
const noCodeGeneration = function Function() {
  throw new TypeErrorCtor("code generation from strings is not available in the sandbox");
};
noCodeGeneration.prototype = FunctionPrototype;
freeze(noCodeGeneration);
// Every function kind reaches its constructor through its prototype's "constructor".
for (const prototype of [
  FunctionPrototype,
  getPrototypeOf(async function () {}),
  getPrototypeOf(function* () {}),
  getPrototypeOf(async function* () {}),
]) {
  defineProperty(prototype, "constructor", { value: noCodeGeneration, writable: false, enumerable: false, configurable: false });
}
defineProperty(global, "Function", { value: noCodeGeneration, writable: false, enumerable: false, configurable: false });
// Error.prepareStackTrace hands out call sites (functions and receivers); locking it keeps those
// unreachable and keeps stack text in the format positions are read from.
defineProperty(ErrorCtor, "prepareStackTrace", { value: undefined, writable: false, enumerable: false, configurable: false });
defineProperty(ErrorCtor, "stackTraceLimit", { value: 20, writable: false, enumerable: false, configurable: false });

function defineData(target, key, value) {
  defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

class QueryError extends ErrorCtor {}
defineProperty(QueryError.prototype, "name", { value: "QueryError", writable: true, enumerable: false, configurable: true });
// Query errors the bridge raised, with the code and message as the host sent them: a script that
// rethrows one still fails with the port's code, and cannot pass its own text off as the port's.
const queryErrors = new WeakMapCtor();

const pending = create(null);
let nextQueryId = 0;

function request(sql, params, shape) {
  return new PromiseCtor((resolve, reject) => {
    if (typeof sql !== "string") {
      reject(new TypeErrorCtor("the query must be a string"));
      return;
    }
    let copied = [];
    if (params !== undefined) {
      if (!isArray(params)) {
        reject(new TypeErrorCtor("query parameters must be an array"));
        return;
      }
      const length = params.length;
      if (typeof length !== "number" || length > 256) {
        reject(new TypeErrorCtor("a query takes at most 256 parameters"));
        return;
      }
      copied = new ArrayCtor(length);
      for (let i = 0; i < length; i++) copied[i] = params[i];
    }
    const id = nextQueryId++;
    let problem;
    try {
      problem = hostQuery(id, sql, copied, shape);
    } catch (error) {
      reject(new TypeErrorCtor("query parameters must be strings, numbers, booleans or null"));
      return;
    }
    if (problem !== "") {
      reject(new TypeErrorCtor(problem));
      return;
    }
    // Where the script asked, so a failed query points at the operator's line, not the bridge's.
    pending[id] = { resolve, reject, shape, callSite: new ErrorCtor() };
  });
}

function columnValues(column, rowCount) {
  const valid = column.valid;
  if (column.kind === "number") {
    const values = column.values;
    if (valid !== null) for (let i = 0; i < rowCount; i++) if (valid[i] === 0) values[i] = NaNValue;
    return values;
  }
  const out = new ArrayCtor(rowCount);
  if (column.kind === "boolean") {
    const values = column.values;
    for (let i = 0; i < rowCount; i++) out[i] = valid !== null && valid[i] === 0 ? null : values[i] === 1;
    return out;
  }
  if (column.kind === "int64") {
    // Exact either way: a number within ±(2^53-1), a BigInt beyond (mixing it with numbers throws).
    const values = column.values;
    for (let i = 0; i < rowCount; i++) {
      const value = values[i];
      out[i] = valid !== null && valid[i] === 0 ? null : value > maxSafe || value < -maxSafe ? value : NumberCtor(value);
    }
    return out;
  }
  const chars = column.chars;
  const offsets = column.offsets;
  const json = column.kind === "json";
  for (let i = 0; i < rowCount; i++) {
    if (valid !== null && valid[i] === 0) out[i] = null;
    else {
      const text = apply(stringSlice, chars, [offsets[i], offsets[i + 1]]);
      out[i] = json ? jsonParse(text) : text;
    }
  }
  return out;
}

function toColumns(batch) {
  const result = create(null);
  for (const column of batch.columns) defineData(result, column.name, columnValues(column, batch.rowCount));
  return result;
}

function toRows(batch) {
  const rowCount = batch.rowCount;
  const names = [];
  const columns = [];
  const masks = [];
  const types = create(null);
  for (const column of batch.columns) {
    defineData(names, names.length, column.name);
    defineData(columns, columns.length, columnValues(column, rowCount));
    defineData(masks, masks.length, column.kind === "number" ? column.valid : null);
    defineData(types, column.name, column.sqlType);
  }
  // Plain assignment keeps rows fast objects; a setter the script put on Object.prototype could
  // intercept it, but that only changes the script's own view of its own data.
  const rows = new ArrayCtor(rowCount);
  for (let r = 0; r < rowCount; r++) {
    const row = {};
    for (let c = 0; c < names.length; c++) {
      const mask = masks[c];
      row[names[c]] = mask !== null && mask[r] === 0 ? null : columns[c][r];
    }
    apply(weakMapSet, rowTypes, [row, types]);
    rows[r] = row;
  }
  return rows;
}

function deliver(id, ok, payload) {
  const entry = pending[id];
  if (entry === undefined) return;
  delete pending[id];
  if (!ok) {
    const error = new QueryError(payload.message);
    defineProperty(error, "code", { value: payload.code, writable: true, enumerable: true, configurable: true });
    const callStack = entry.callSite.stack;
    const firstFrame = callStack.indexOf("\n");
    const frames = firstFrame < 0 ? "" : apply(stringSlice, callStack, [firstFrame]);
    defineProperty(error, "stack", { value: "QueryError: " + payload.message + frames, writable: true, enumerable: false, configurable: true });
    apply(weakMapSet, queryErrors, [error, { code: payload.code, message: payload.message }]);
    entry.reject(error);
    return;
  }
  entry.resolve(entry.shape === "rows" ? toRows(payload) : toColumns(payload));
}

function formatLogArgument(value) {
  if (typeof value === "string") return value;
  if (value === null || typeof value !== "object") return typeof value === "function" ? "[function]" : StringCtor(value);
  try {
    const text = jsonStringify(value);
    return typeof text === "string" ? text : "[unserializable]";
  } catch {
    return "[unserializable]";
  }
}

const ctx = freeze({
  sql(query, params) {
    return request(query, params, "rows");
  },
  sqlColumns(query, params) {
    return request(query, params, "columns");
  },
  log(...args) {
    let text = "";
    for (let i = 0; i < args.length && text.length <= maxLogChars; i++) {
      text += (i === 0 ? "" : " ") + formatLogArgument(args[i]);
    }
    hostLog(text.length > maxLogChars ? apply(stringSlice, text, [0, maxLogChars]) : text);
  },
  progress(fraction, message) {
    const problem = hostProgress(fraction, message === undefined ? null : message);
    if (problem !== "") throw new TypeErrorCtor(problem);
  },
});

// ---- reading what the script returned or threw, without trusting its prototypes ----

class OutputProblem {
  constructor(kind, message) {
    this.kind = kind;
    this.message = message;
  }
}

function ownData(target, key) {
  const descriptor = getOwnPropertyDescriptor(target, key);
  if (descriptor === undefined) return undefined;
  if (!("value" in descriptor)) throw new OutputProblem("OutputError", "accessor property " + jsonStringify(StringCtor(key)) + " in the output; return plain data");
  return descriptor;
}

function isPlainObject(value) {
  if (value === null || typeof value !== "object" || isArray(value)) return false;
  const prototype = getPrototypeOf(value);
  return prototype === ObjectPrototype || prototype === null;
}

// Where a bad cell is, built only when one is found rather than for every cell: a fresh isolate
// runs this code cold, so each string built per cell shows in the job's time.
function cellPlace(label, r, column) {
  return label + " row " + r + " column " + jsonStringify(column);
}

// A BigInt beyond ±(2^53-1) goes out as the JSON string of its digits; its column is declared
// BIGINT, so the host reads it back as a 64-bit integer (see policies/typed-values.ts).
function encodeScalar(value, label, r, column, depth, limits) {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string" || typeof value === "boolean") return jsonStringify(value);
  if (typeof value === "number") {
    if (!numberIsFinite(value)) throw new OutputProblem("OutputError", cellPlace(label, r, column) + " is not a finite number");
    return jsonStringify(value);
  }
  if (typeof value === "bigint") {
    if (value > int64Max || value < -int64Max - BigIntCtor(1)) throw new OutputProblem("OutputError", cellPlace(label, r, column) + " is a BigInt beyond 64 bits; convert it with String()");
    // Within ±(2^53-1) a JSON number like any other; beyond, its digits as a string.
    return value > maxSafe || value < -maxSafe ? '"' + StringCtor(value) + '"' : StringCtor(value);
  }
  if (isArray(value) && getPrototypeOf(value) === ArrayPrototype && depth < 4) {
    const length = ownData(value, "length").value;
    let text = "[";
    for (let i = 0; i < length; i++) {
      if (++listItems > limits.cells) throw new OutputProblem("LimitExceeded", "outputs exceed " + limits.cells + " cells");
      const item = ownData(value, i);
      text += (i === 0 ? "" : ",") + encodeScalar(item === undefined ? null : item.value, label, r, column, depth + 1, limits);
    }
    return text + "]";
  }
  throw new OutputProblem("OutputError", cellPlace(label, r, column) + " is not a string, number, boolean, null, BigInt or a list of them");
}
let listItems = 0;

// Per output, the SQL type of each column every row passed through from one query column, and
// BIGINT for a column holding BigInts: '{"name":{"column":"TYPE",...},...}'.
function encodeOutputs(value, limits, declared) {
  if (!isPlainObject(value)) {
    throw new OutputProblem("OutputError", "main must return an object mapping output names to arrays of row objects");
  }
  let text = "{";
  let rows = 0;
  let cells = 0;
  let firstTable = true;
  for (const name of ownKeys(value)) {
    if (typeof name !== "string") throw new OutputProblem("OutputError", "output names must be strings");
    const tableDescriptor = ownData(value, name);
    if (!tableDescriptor.enumerable) continue;
    const table = tableDescriptor.value;
    const label = "output " + jsonStringify(name);
    if (!isArray(table)) throw new OutputProblem("OutputError", label + " is not an array of rows");
    const length = ownData(table, "length").value;
    text += (firstTable ? "" : ",") + jsonStringify(name) + ":[";
    firstTable = false;
    // Column names as JSON keys, encoded once per table rather than once per cell.
    const keys = create(null);
    const sqlTypes = create(null);
    const bigints = create(null);
    for (let r = 0; r < length; r++) {
      if (++rows > limits.rows) throw new OutputProblem("LimitExceeded", "outputs exceed " + limits.rows + " rows");
      const rowDescriptor = ownData(table, r);
      const row = rowDescriptor === undefined ? undefined : rowDescriptor.value;
      if (!isPlainObject(row)) throw new OutputProblem("OutputError", label + " row " + r + " is not a plain object");
      const passed = apply(weakMapGet, rowTypes, [row]);
      text += (r === 0 ? "{" : ",{");
      let firstCell = true;
      for (const column of ownKeys(row)) {
        if (typeof column !== "string") throw new OutputProblem("OutputError", label + " row " + r + " has a symbol key");
        const cell = ownData(row, column);
        if (!cell.enumerable) continue;
        if (++cells > limits.cells) throw new OutputProblem("LimitExceeded", "outputs exceed " + limits.cells + " cells");
        let key = keys[column];
        if (key === undefined) {
          key = jsonStringify(column) + ":";
          keys[column] = key;
        }
        text += (firstCell ? "" : ",") + key + encodeScalar(cell.value, label, r, column, 0, limits);
        firstCell = false;
        const sqlType = passed === undefined ? false : passed[column] === undefined ? false : passed[column];
        const seen = sqlTypes[column];
        sqlTypes[column] = seen === undefined || seen === sqlType ? sqlType : false;
        if (typeof cell.value === "bigint") bigints[column] = true;
      }
      text += "}";
      // UTF-16 length is at most the UTF-8 size times one: a cheap early stop; the host measures exactly.
      if (text.length > limits.bytes) throw new OutputProblem("LimitExceeded", "outputs exceed " + limits.bytes + " bytes");
    }
    text += "]";
    const types = create(null);
    for (const column of ownKeys(sqlTypes)) {
      if (bigints[column] === true) types[column] = "BIGINT";
      else if (sqlTypes[column] !== false) types[column] = sqlTypes[column];
    }
    defineData(declared, name, types);
  }
  return text + "}";
}

function stringData(target, key, maxChars) {
  try {
    let object = target;
    for (let depth = 0; depth < 32 && object !== null; depth++) {
      const descriptor = getOwnPropertyDescriptor(object, key);
      if (descriptor !== undefined) {
        const value = descriptor.value;
        return typeof value === "string" ? apply(stringSlice, value, [0, maxChars]) : undefined;
      }
      object = getPrototypeOf(object);
    }
  } catch {
    // A hostile getter or proxy threw: the property reads as absent.
  }
  return undefined;
}

const positionPattern = /:(\d+):(\d+)\)?$/;
function scriptPosition(stack) {
  if (typeof stack !== "string") return undefined;
  let start = 0;
  while (start < stack.length) {
    let end = stack.indexOf("\n", start);
    if (end < 0) end = stack.length;
    const line = apply(stringSlice, stack, [start, end]);
    if (line.indexOf(scriptFile + ":") >= 0) {
      const match = apply(regExpExec, positionPattern, [line]);
      if (match !== null) return { line: +match[1], column: +match[2] };
    }
    start = end + 1;
  }
  return undefined;
}

function describeThrown(thrown) {
  const error = { class: "NonError", message: "", source: "script" };
  try {
    if (thrown !== null && (typeof thrown === "object" || typeof thrown === "function")) {
      const fromQuery = apply(weakMapGet, queryErrors, [thrown]);
      if (fromQuery !== undefined) {
        error.code = fromQuery.code;
        error.message = fromQuery.message;
        error.class = "QueryError";
        error.source = "sandbox";
      } else {
        error.class = stringData(thrown, "name", 100) || "Object";
        error.message = stringData(thrown, "message", 8192) || "";
      }
      const position = scriptPosition(stringData(thrown, "stack", 65536));
      if (position !== undefined) {
        error.line = position.line;
        error.column = position.column;
      }
    } else {
      error.message = typeof thrown === "symbol" ? "a symbol was thrown" : apply(stringSlice, StringCtor(thrown), [0, 8192]);
    }
  } catch {
    error.class = "UnreadableError";
  }
  return jsonStringify({ ok: false, error });
}

async function run(namespace, limits, file) {
  scriptFile = file;
  const exported = getOwnPropertyDescriptor(namespace, "default");
  const main = exported === undefined ? undefined : exported.value;
  if (typeof main !== "function") {
    return jsonStringify({ ok: false, error: { class: "ScriptError", message: "the script must export default async function main(ctx)", source: "sandbox" } });
  }
  let value;
  try {
    value = await main(ctx);
  } catch (thrown) {
    return describeThrown(thrown);
  }
  try {
    listItems = 0;
    const declared = create(null);
    const outputs = encodeOutputs(value, limits, declared);
    return '{"ok":true,"types":' + jsonStringify(declared) + ',"outputs":' + outputs + "}";
  } catch (problem) {
    if (problem instanceof OutputProblem) {
      const code = problem.kind === "LimitExceeded" ? "LIMIT_EXCEEDED" : "SCRIPT_ERROR";
      return jsonStringify({ ok: false, error: { class: problem.kind, code, message: problem.message, source: "script" } });
    }
    // A proxy trap or a getter deep inside threw while the output was read.
    return jsonStringify({ ok: false, error: { class: "OutputError", code: "SCRIPT_ERROR", message: "the output could not be read as plain data", source: "sandbox" } });
  }
}

return [deliver, run];
`;
