// The graphql-http audit (https://github.com/graphql/graphql-http) run against a live asnflow server.
//
// Usage: node audit.mjs http://127.0.0.1:8000/graphql
// Prints one JSON object: {"must": [...failures], "should": [...failures], "ok": n}. A MUST failure is
// an "error" of auditServer, a SHOULD failure a "warn". tests/schema/test_graphql_http_audit.py runs this
// and expects both lists empty; the pinned versions are in package.json next to this file.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}
const results = await auditServer({ url });
const describe = (r) => ({ id: r.id, name: r.name, reason: r.reason });
const report = {
  must: results.filter((r) => r.status === 'error').map(describe),
  should: results.filter((r) => r.status === 'warn').map(describe),
  ok: results.filter((r) => r.status === 'ok').length,
};
console.log(JSON.stringify(report, null, 2));
