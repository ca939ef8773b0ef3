// GraphiQL for controlgraph, from the vendored builds only. The query may come in ?q= (links from
// control pages); headers (an API key) are never put in the URL nor persisted by the page.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var example = document.getElementById("graphiql").getAttribute("data-example");
  var fetcher = GraphiQL.createFetcher({ url: "/graphql" });
  function App() {
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: example,
      query: params.get("q") || example,
      variables: params.get("variables") || undefined,
      defaultEditorToolsVisibility: true,
      plugins: [GraphiQLPluginExplorer.explorerPlugin()],
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    });
  }
  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(App));
})();
