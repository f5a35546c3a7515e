// The order page hears each step of its order live (/ws/orders/<id>/) and reloads its status
// section from the server, so what it shows is always what the server renders.
(function () {
  "use strict";
  var root = document.getElementById("order");
  if (!root || !window.WebSocket) return;
  var delay = 1000;

  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("order-live");
        var freshRoot = doc.getElementById("order");
        if (fresh) document.getElementById("order-live").replaceWith(fresh);
        if (freshRoot) root.dataset.status = freshRoot.dataset.status;
      });
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + root.dataset.socket);
    socket.onopen = function () { delay = 1000; root.dataset.live = "1"; };
    socket.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (event.type === "order") refresh();
    };
    socket.onclose = function (close) {
      root.dataset.live = "0";
      if (close.code === 4404) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
