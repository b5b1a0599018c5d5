'use strict';
/**
 * Shared harness for the end-to-end scenarios.
 *
 * Environment:
 *   PARSE_SERVER_URL  e.g. http://127.0.0.1:1399/parse   (required)
 *   PARSE_APP_ID      application id                      (required)
 *   PARSE_MASTER_KEY  master key (optional; only scenarios that ask for it use it)
 *   E2E_RUN_ID        tag written on every object so that re-runs on one server never mix (optional)
 *
 * A scenario is a list of named steps. The script prints ONE line of JSON on stdout:
 *   success: {"ok":true,"scenario":..., "steps":[...], "result":{...}}           exit code 0
 *   failure: {"ok":false,"scenario":..., "step":..., "error":{...}, "trace":[...]} exit code 1
 * `trace` holds the last HTTP exchanges (request envelope without keys, HTTP status, response body) so a
 * failure can be reported to the server side precisely.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const path = require('node:path');
const Parse = require('parse/node');

const TRACE_LIMIT = 6;
const TRACE_CHARS = 3000;
const trace = [];

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`environment variable ${name} is required`);
  }
  return value;
}

function redact(payload) {
  if (!payload || typeof payload !== 'object') {
    return payload;
  }
  const copy = { ...payload };
  for (const key of ['_MasterKey', '_JavaScriptKey', '_SessionToken']) {
    if (key in copy) copy[key] = '<redacted>';
  }
  delete copy._ApplicationId;
  delete copy._ClientVersion;
  delete copy._InstallationId;
  return copy;
}

function clip(value) {
  const text = JSON.stringify(value);
  if (text !== undefined && text.length > TRACE_CHARS) {
    return `${text.slice(0, TRACE_CHARS)}... (${text.length} chars)`;
  }
  return value;
}

/** Records every HTTP exchange (the SDK's RESTController uses the global fetch in Node). */
function installTrace() {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async function tracedFetch(url, options = {}) {
    let request = options.body;
    try {
      request = redact(JSON.parse(options.body));
    } catch {
      // not JSON (binary file body); keep it as is
    }
    const entry = {
      method: options.method || 'GET',
      url: String(url).replace(Parse.serverURL, ''),
      request: clip(request),
    };
    trace.push(entry);
    if (trace.length > TRACE_LIMIT) trace.shift();
    const response = await realFetch(url, options);
    entry.status = response.status;
    const text = await response.clone().text();
    try {
      entry.response = clip(JSON.parse(text));
    } catch {
      entry.response = clip(text);
    }
    return response;
  };
}

function init() {
  const serverURL = requiredEnv('PARSE_SERVER_URL');
  const appId = requiredEnv('PARSE_APP_ID');
  const masterKey = process.env.PARSE_MASTER_KEY || undefined;
  Parse.initialize(appId, undefined, masterKey);
  Parse.serverURL = serverURL;
  // A 5xx is a server bug here: report it at once instead of retrying with back-off.
  Parse.CoreManager.set('REQUEST_ATTEMPT_LIMIT', 1);
  installTrace();
}

function describeError(error) {
  if (error instanceof Parse.Error || (error && typeof error.code === 'number')) {
    const out = { name: 'ParseError', code: error.code ?? null, message: error.message };
    if (Array.isArray(error.errors)) {
      out.errors = error.errors.map((e) => ({ code: e.code, message: e.message }));
    }
    return out;
  }
  if (error instanceof assert.AssertionError) {
    return {
      name: 'AssertionError',
      message: error.message,
      actual: error.actual,
      expected: error.expected,
      stack: error.stack.split('\n').slice(0, 6).join('\n'),
    };
  }
  if (error instanceof Error) {
    return { name: error.name, message: error.message, stack: (error.stack || '').split('\n').slice(0, 6).join('\n') };
  }
  return { name: typeof error, message: String(error), value: error };
}

/** Expects `promise` to reject with a Parse.Error of `code`; returns the error. */
async function rejectsWithCode(promise, code, what) {
  let error = null;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `${what}: expected Parse.Error ${code}, but the call succeeded`);
  assert.equal(error.code, code, `${what}: expected code ${code}, got ${error.code} (${error.message})`);
  return error;
}

/**
 * Runs `body(ctx)` where ctx = {Parse, assert, step, runId, rejectsWithCode}. `step(name, fn)` runs
 * one named step. Whatever `body` returns becomes `result` in the printed JSON.
 */
async function runScenario(file, body) {
  const scenario = path.basename(file, '.js');
  const steps = [];
  let current = '(setup)';
  const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
  try {
    init();
    const runId = process.env.E2E_RUN_ID || crypto.randomBytes(4).toString('hex');
    const step = async (name, fn) => {
      current = name;
      const value = await fn();
      steps.push(name);
      return value;
    };
    const result = await body({ Parse, assert, step, runId, rejectsWithCode });
    out({ ok: true, scenario, steps, result: result === undefined ? null : result });
    process.exitCode = 0;
  } catch (error) {
    out({ ok: false, scenario, passedSteps: steps, step: current, error: describeError(error), trace });
    process.exitCode = 1;
  }
}

module.exports = { runScenario, Parse, assert };
