// Drives widely used third-party clients against `unipass fakes` (default seed) through ordinary calls, then
// asks the fakes' admin API for contract violations. Usage: node interop.mjs BASE_URL
// Exit 0 when every call answered as the vendor would and the fakes saw no contract violation.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import axios from 'axios';
import zendesk from 'node-zendesk';

const base = process.argv[2];
if (!base) {
  console.error('usage: node interop.mjs BASE_URL');
  process.exit(2);
}

// The default seed's obviously fake credentials (unipass fakes --print-seed).
const zd = { admin: 'admin@example.com', apiToken: 'fake-zendesk-api-token', agent: 'agent@example.com', agentID: 1002,
  agentPassword: 'fake-Agent-Passw0rd', oauth: 'fake-agent-oauth-token' };
const ds = { email: 'mike@example.com', id: 'aae1e103-bca5-9fa1-ba8c-42058b4abf28', password: 'fake-Admin-Passw0rd',
  apiKey: 'fake-docspace-api-key' };

const results = [];
async function step(client, name, fn) {
  try {
    await fn();
    results.push({ client, name, ok: true });
    console.log(`ok    ${client}: ${name}`);
  } catch (err) {
    results.push({ client, name, ok: false });
    console.log(`FAIL  ${client}: ${name}: ${err.message}`);
  }
}

// rejects requires the call to fail with the given HTTP status.
async function rejects(promise, status) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected HTTP ${status}, the call succeeded`);
  assert.equal(err.statusCode ?? err.response?.status, status);
}

function version(pkg) {
  return JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url))).version;
}

// Zendesk through node-zendesk: it appends .json to every path.
async function zendeskCalls() {
  const c = `node-zendesk ${version('node-zendesk')}`;
  const endpointUri = `${base}/zendesk/api/v2`;
  // throwOriginalException: errors keep their statusCode (the default wraps them in a plain Error).
  const client = (options) => zendesk.createClient({ ...options, endpointUri, throwOriginalException: true });
  const admin = client({ username: zd.admin, token: zd.apiToken });
  await step(c, 'who am I (API token)', async () => {
    const me = await admin.users.me();
    assert.equal((me.result ?? me).email, zd.admin);
  });
  await step(c, 'who am I (OAuth token)', async () => {
    const me = await client({ token: zd.oauth, oauth: true }).users.me();
    assert.equal((me.result ?? me).id, zd.agentID);
  });
  await step(c, 'user by id', async () => {
    const u = await admin.users.show(zd.agentID);
    assert.equal((u.result ?? u).email, zd.agent);
  });
  await step(c, 'user by email (search)', async () => {
    const users = await admin.users.search({ query: `email:"${zd.agent}"` });
    assert.ok(users.some((u) => u.id === zd.agentID), JSON.stringify(users));
  });
  await step(c, 'account settings', async () => {
    const s = await admin.accountsettings.show();
    assert.ok((s.result ?? s).api);
  });
  await step(c, 'password requirements', async () => {
    const r = await admin.users.get(['users', zd.agentID, 'password', 'requirements']);
    assert.ok(Array.isArray((r.result ?? r).requirements));
  });
  const set = 'fake-Interop-Set-1';
  await step(c, 'set password (admin)', async () => {
    await admin.users.post(['users', zd.agentID, 'password'], { password: set });
  });
  await step(c, 'sign in with the new password', async () => {
    const me = await client({ username: zd.agent, password: set }).users.me();
    assert.equal((me.result ?? me).id, zd.agentID);
  });
  const changed = 'fake-Interop-Changed-2';
  await step(c, 'change own password', async () => {
    await client({ username: zd.agent, password: set }).users.password(zd.agentID, set, changed);
  });
  await step(c, 'wrong password refused (401)', async () => {
    await rejects(client({ username: zd.agent, password: set }).users.me(), 401);
  });
  await step(c, 'wrong previous password refused (422)', async () => {
    const agent = client({ username: zd.agent, password: changed });
    await rejects(agent.users.password(zd.agentID, 'fake-Wrong-3', 'fake-Interop-4'), 422);
  });
  await step(c, 'restore the seed password', async () => {
    await admin.users.post(['users', zd.agentID, 'password'], { password: zd.agentPassword });
  });
}

// DocSpace through axios, with the requests the vendor's generated SDK makes (its Bearer scheme:
// Authorization: Bearer <token>), and the token's other forms the server reads.
async function docspaceCalls() {
  const c = `axios ${version('axios')} (DocSpace SDK requests)`;
  const http = axios.create({ baseURL: `${base}/docspace/api/2.0`, headers: { Accept: 'application/json' } });
  const login = async (userName, password) => (await http.post('/authentication', { userName, password })).data.response.token;
  let token;
  await step(c, 'log in', async () => {
    token = await login(ds.email, ds.password);
    assert.ok(token);
  });
  const bearer = () => ({ Authorization: `Bearer ${token}` });
  await step(c, 'who am I (people/@self, Bearer token)', async () => {
    const r = await http.get('/people/@self', { headers: bearer() });
    assert.equal(r.data.response.id, ds.id);
  });
  await step(c, 'who am I (API key, Bearer)', async () => {
    const r = await http.get('/people/@self', { headers: { Authorization: `Bearer ${ds.apiKey}` } });
    assert.equal(r.data.response.id, ds.id);
  });
  await step(c, 'user by id (raw token)', async () => {
    const r = await http.get(`/people/${ds.id}`, { headers: { Authorization: token } });
    assert.equal(r.data.response.email, ds.email);
  });
  await step(c, 'user by email (asc_auth_key cookie)', async () => {
    const r = await http.get('/people/email', { params: { email: ds.email }, headers: { Cookie: `asc_auth_key=${token}` } });
    assert.equal(r.data.response.id, ds.id);
  });
  await step(c, 'password policy', async () => {
    const r = await http.get('/settings/security/password', { headers: bearer() });
    assert.ok(r.data.response.minLength > 0);
  });
  const set = 'fake-Interop-Set-5';
  await step(c, 'set password', async () => {
    const r = await http.put(`/people/${ds.id}/password`, { password: set }, { headers: bearer() });
    assert.equal(r.data.response.id, ds.id);
  });
  await step(c, 'change password (log in with the old one, set with that session)', async () => {
    const session = await login(ds.email, set);
    await http.put(`/people/${ds.id}/password`, { password: ds.password }, { headers: { Authorization: `Bearer ${session}` } });
  });
  await step(c, 'wrong password refused (401)', async () => {
    await rejects(login(ds.email, set), 401);
  });
  await step(c, 'wrong token refused (401)', async () => {
    await rejects(http.get('/people/@self', { headers: { Authorization: 'Bearer fake-wrong-token' } }), 401);
  });
}

async function violations() {
  const r = await axios.get(`${base}/_admin/violations`);
  return Object.values(r.data).flat();
}

await zendeskCalls();
await docspaceCalls();
const found = await violations();
for (const v of found) {
  console.log(`violation: ${v}`);
}
const failed = results.filter((r) => !r.ok).length;
for (const client of [...new Set(results.map((r) => r.client))]) {
  const calls = results.filter((r) => r.client === client).length;
  console.log(`${client}: ${calls} calls`);
}
console.log(`${results.length - failed} passed, ${failed} failed`);
console.log(`contract violations: ${found.length}`);
process.exit(failed > 0 || found.length > 0 ? 1 : 0);
