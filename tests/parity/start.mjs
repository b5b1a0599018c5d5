// Starts Parse Server 9.10 (REST only) for the REST differential suite (tests/parity).
// Usage: node start.mjs <port> <databaseURI> <appId> <masterKey> <restAPIKey> <javascriptKey> <logsFolder>
// parse-server comes from the GraphQL differential test's node_modules (Makefile target
// graphql-js); files are kept under the working directory (the test's temporary directory).
import { createRequire } from 'node:module';

const require = createRequire(new URL('../graphql/parse_server/package.json', import.meta.url));
const { ParseServer } = require('parse-server');
const FSFilesAdapter = require('@parse/fs-files-adapter');

// parse-server 9.10's PromiseRouter.match (used only by /batch) reads `layer.params` after
// `layer.match(path)`; router 2.3.0 (what express 5 resolves to in the lock file) returns the
// params instead of storing them, so every batch answers 500. Store them again, as router 2.2 did,
// so the suite compares batch behaviour rather than this dependency mismatch.
const Layer = require('router/lib/layer');
const match = Layer.prototype.match;
Layer.prototype.match = function matchAndStoreParams(path) {
  const found = match.call(this, path);
  this.params = found ? found.params : undefined;
  return found;
};

const [, , port, databaseURI, appId, masterKey, restAPIKey, javascriptKey, logsFolder] = process.argv;
await ParseServer.startApp({
  appId,
  masterKey,
  restAPIKey,
  javascriptKey,
  databaseURI,
  port: Number(port),
  host: '127.0.0.1',
  serverURL: `http://127.0.0.1:${port}/parse`,
  mountPath: '/parse',
  allowClientClassCreation: false,
  filesAdapter: new FSFilesAdapter(),
  appName: 'parity',
  publicServerURL: `http://127.0.0.1:${port}/parse`,
  // Accepts every mail and sends none, so password reset and verification answer as configured.
  emailAdapter: {
    sendMail: async () => {},
    sendPasswordResetEmail: async () => {},
    sendVerificationEmail: async () => {},
  },
  logLevel: 'error',
  logsFolder,
  silent: true,
});
console.log('ready');
