// Starts Parse Server 9.10 (npm `parse-server`, installed under tests/graphql/parse_server) with
// Parse's own file-system files adapter, for the PostgreSQL round-trip test.
// Usage (cwd: the directory whose ./files/ holds the files):
//   node start_parse_server.mjs <port> <databaseURI> <appId> <masterKey> <logsFolder> <node_modules dir>
import { createRequire } from 'node:module';
import path from 'node:path';

const [, , port, databaseURI, appId, masterKey, logsFolder, modulesDir] = process.argv;
const require = createRequire(path.join(modulesDir, 'noop.js'));
const { ParseServer, FileSystemAdapter } = require('parse-server');

await ParseServer.startApp({
  appId,
  masterKey,
  databaseURI,
  port: Number(port),
  host: '127.0.0.1',
  serverURL: `http://127.0.0.1:${port}/parse`,
  mountPath: '/parse',
  filesAdapter: new FileSystemAdapter(),
  allowClientClassCreation: false,
  logLevel: 'error',
  logsFolder,
  silent: true,
});
console.log('ready');
