// Starts the bundled GraphiQL against this server's GraphQL path. No key is ever embedded:
// the caller types X-Parse-* headers in GraphiQL's headers editor (not persisted).
(function () {
  var root = document.getElementById("graphiql");
  var url = root.getAttribute("data-endpoint");
  var headers = JSON.stringify({ "X-Parse-Application-Id": root.getAttribute("data-app-id") }, null, 2);
  var fetcher = GraphiQL.createFetcher({ url: url });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultHeaders: headers, shouldPersistHeaders: false })
  );
})();
