// Starts the bundled Swagger UI on this server's OpenAPI document. No key is ever embedded: the
// caller types a session token or the master key in the form; the document is fetched with them
// (it lists what that caller may use) and they are added to the requests tried from the page.
(function () {
  var form = document.getElementById("credentials");
  var target = document.getElementById("swagger-ui");
  var inputs = [["session-token", "X-Parse-Session-Token"], ["master-key", "X-Parse-Master-Key"],
                ["rest-key", "X-Parse-REST-API-Key"]];

  function headers() {
    var sent = { "X-Parse-Application-Id": form.getAttribute("data-app-id") };
    inputs.forEach(function (pair) {
      var value = document.getElementById(pair[0]).value.trim();
      if (value) sent[pair[1]] = value;
    });
    return sent;
  }

  function show(spec, sent) {
    target.textContent = "";
    SwaggerUIBundle({
      spec: spec, domNode: target, validatorUrl: null, deepLinking: false, persistAuthorization: false,
      requestInterceptor: function (request) {
        Object.keys(sent).forEach(function (name) {
          if (!request.headers[name]) request.headers[name] = sent[name];
        });
        return request;
      }
    });
  }

  function load() {
    var sent = headers();
    target.textContent = "Loading the API description…";
    fetch(form.getAttribute("data-document"), { headers: sent, credentials: "omit", cache: "no-store" })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.error || "HTTP " + response.status);
          return body;
        });
      })
      .then(function (spec) { show(spec, sent); })
      .catch(function (error) { target.textContent = "Could not load the API description: " + error.message; });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); load(); });
  load();
})();
