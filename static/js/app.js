// Quanzi's own small script. Loaded with `defer`; no inline scripts anywhere (CSP).
(function () {
  "use strict";

  var lang = document.documentElement.lang === "en" ? "en" : "zh";
  var TEXT = {
    zh: {
      network: "网络好像断开了，请稍后再试。",
      server: "出了点问题，请稍后再试。",
      copied: "已复制",
    },
    en: {
      network: "You seem to be offline. Please try again.",
      server: "Something went wrong. Please try again.",
      copied: "Copied",
    },
  }[lang];

  function toast(message, kind) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var el = document.createElement("div");
    el.className = "toast" + (kind === "error" ? " toast-error" : "");
    el.setAttribute("role", kind === "error" ? "alert" : "status");
    el.textContent = message;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 4000);
  }
  window.quanziToast = toast;

  // A silent failed tap is a lost action: show htmx network and server errors.
  document.addEventListener("htmx:sendError", function () { toast(TEXT.network, "error"); });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var message = TEXT.server;
    if (xhr && xhr.responseText) {
      var holder = document.createElement("div");
      holder.innerHTML = xhr.responseText;
      var found = holder.querySelector(".toast");
      if (found && found.textContent.trim()) message = found.textContent.trim();
    }
    toast(message, "error");
  });

  // Flash messages fade after a while so they don't push content around forever.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".flashes .alert-success, .flashes .alert-info").forEach(function (el) {
      setTimeout(function () { el.remove(); }, 6000);
    });
  });

  // Copy buttons: <button data-copy="text" data-copy-target="#input">. Without the
  // clipboard API (plain http, old WebViews) the target input is selected for a long-press.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    event.preventDefault();
    var text = button.getAttribute("data-copy");
    var selector = button.getAttribute("data-copy-target");
    var input = selector ? document.querySelector(selector) : null;
    function selectInput() {
      if (!input) return;
      input.focus();
      input.select();
      try {
        if (document.execCommand("copy")) toast(TEXT.copied);
      } catch (e) { /* the selection stays for a manual copy */ }
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { toast(TEXT.copied); }, selectInput);
    } else {
      selectInput();
    }
  });
})();
