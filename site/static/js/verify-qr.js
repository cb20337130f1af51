/* Pamoja's QR check, on /verify/<code>/ only. A certificate's QR code is the
   verify URL plus, in the fragment, a compact JWS of the printed claims
   ({c: code, n: name, t: course title, d: date}), signed with the issuer's
   Ed25519 key. The fragment never reaches the server, so this script checks
   it here: the signature against the key in /.well-known/did.json (by kid),
   then the claims against the registered details the server printed in
   #registered's data- attributes. The answer goes into the aria-live
   #qr-check; its wording comes from this <script> tag (translated).

   Optional: without it the page says everything but this. Browsers without
   WebCrypto Ed25519 are told the check could not run. Nothing may throw. */
(function () {
  "use strict";
  var script = document.currentScript;
  var out = document.getElementById("qr-check");
  var registered = document.getElementById("registered");
  var token = (location.hash || "").slice(1);
  if (!script || !out || !registered || token.split(".").length !== 3) return;
  var say = function (key, extra) {
    out.textContent = script.getAttribute("data-" + key) + (extra ? " " + extra : "");
    out.className = "qr-check qr-" + key;
  };

  var B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  function base58(text) {
    var bytes = [0], i, j, carry;
    for (i = 0; i < text.length; i++) {
      carry = B58.indexOf(text.charAt(i));
      if (carry < 0) throw new Error("base58");
      for (j = 0; j < bytes.length; j++) {
        carry += bytes[j] * 58;
        bytes[j] = carry & 255;
        carry >>= 8;
      }
      while (carry) { bytes.push(carry & 255); carry >>= 8; }
    }
    for (i = 0; i < text.length - 1 && text.charAt(i) === "1"; i++) bytes.push(0);
    return new Uint8Array(bytes.reverse());
  }

  function base64url(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(b64 + "===".slice((b64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function json(bytes) {
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  // publicKeyMultibase "z6Mk…": base58btc of 0xed 0x01 + the raw 32-byte key.
  function rawKey(did, kid) {
    var methods = did.verificationMethod || [];
    for (var i = 0; i < methods.length; i++) {
      if (String(methods[i].id).split("#")[1] === kid) {
        var multibase = String(methods[i].publicKeyMultibase || "");
        var bytes = base58(multibase.slice(1));
        if (multibase.charAt(0) !== "z" || bytes.length !== 34 ||
            bytes[0] !== 0xed || bytes[1] !== 0x01) return null;
        return bytes.slice(2);
      }
    }
    return null;
  }

  function differences(claims) {
    var expected = {
      c: registered.getAttribute("data-code"),
      n: registered.getAttribute("data-name"),
      t: registered.getAttribute("data-title"),
      d: registered.getAttribute("data-date")
    };
    var labels = [];
    for (var key in expected) {
      if (String(claims[key]).normalize("NFC") !== expected[key].normalize("NFC")) {
        var dd = registered.querySelector('[data-claim="' + key + '"]');
        if (dd) dd.classList.add("mismatch");
        var dt = dd && dd.previousElementSibling;
        labels.push(dt ? dt.textContent : key);
      }
    }
    return labels;
  }

  var parts = token.split(".");
  var header, claims;
  try {
    header = json(base64url(parts[0]));
    claims = json(base64url(parts[1]));
  } catch (e) {
    say("bad");
    return;
  }
  if (header.alg !== "EdDSA" || !header.kid || !claims || typeof claims !== "object") {
    say("bad");
    return;
  }
  if (!window.crypto || !crypto.subtle || !window.fetch || !window.TextEncoder) {
    say("unsupported");
    return;
  }
  say("checking");
  var signed = new TextEncoder().encode(parts[0] + "." + parts[1]);
  var signature;
  try {
    signature = base64url(parts[2]);
  } catch (e) {
    say("bad");
    return;
  }
  fetch(script.getAttribute("data-did"), { credentials: "omit" })
    .then(function (response) {
      if (!response.ok) throw new Error("did.json " + response.status);
      return response.json();
    })
    .then(function (did) {
      var raw = rawKey(did, header.kid);
      if (!raw) return false;
      return crypto.subtle
        .importKey("raw", raw, { name: "Ed25519" }, false, ["verify"])
        .then(function (key) {
          return crypto.subtle.verify({ name: "Ed25519" }, key, signature, signed);
        });
    })
    .then(
      function (genuine) {
        if (!genuine) return say("bad");
        var differ = differences(claims);
        if (differ.length) say("mismatch", differ.join(", ") + ".");
        else say("match");
      },
      function () {
        say("unsupported");
      }
    );
})();
