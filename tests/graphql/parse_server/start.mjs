// Starts Parse Server 9.10 with its GraphQL API mounted, for the differential GraphQL test.
// Usage: node start.mjs <port> <databaseURI> <appId> <masterKey> <logsFolder>
import { ParseServer } from 'parse-server';

const [, , port, databaseURI, appId, masterKey, logsFolder] = process.argv;
await ParseServer.startApp({
  appId,
  masterKey,
  databaseURI,
  port: Number(port),
  host: '127.0.0.1',
  serverURL: `http://127.0.0.1:${port}/parse`,
  mountPath: '/parse',
  mountGraphQL: true,
  graphQLPath: '/graphql',
  allowClientClassCreation: false,
  logLevel: 'error',
  logsFolder,
  silent: true,
});
console.log('ready');
