/* MedReg e-licence verifier (self-hosted, no external scripts).
 *
 * Offline-capable: the signed trust list (checked against the trust-list key pinned in the page) and the
 * issuers' status lists are cached in localStorage. A scanned or pasted "HL1:" payload is decoded
 * (Base45, optional zlib, COSE_Sign1/CWT), its signature checked with WebCrypto (ECDSA P-256 / Ed25519),
 * its validity period and its status-list slot read. When the page is online the registry is asked for
 * the current status too (POST /api/v1/verify) and that answer wins.
 *
 * Exposed as window.MedRegVerifier for tests: verifyOffline(text) -> Promise<result>.
 */
(function () {
  "use strict";

  var PREFIX = "HL1:";
  var B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  var TL_KEY = "medreg.trustlist.v1";
  var SL_KEY = "medreg.statuslist.v1.";
  var SL_TTL_MS = 300 * 1000;

  function VerifyError(code, detail) {
    this.code = code;
    this.detail = detail || "";
  }

  // --- Base45 (RFC 9285) ------------------------------------------------------------------------------
  function base45Decode(s) {
    var out = [];
    for (var i = 0; i < s.length; i += 3) {
      var chunk = s.substr(i, 3);
      var vals = [];
      for (var j = 0; j < chunk.length; j++) {
        var v = B45.indexOf(chunk[j]);
        if (v < 0) throw new VerifyError("qr_encoding", "invalid Base45 character");
        vals.push(v);
      }
      if (vals.length === 3) {
        var n = vals[0] + vals[1] * 45 + vals[2] * 2025;
        if (n > 0xffff) throw new VerifyError("qr_encoding", "invalid Base45 group");
        out.push(n >> 8, n & 0xff);
      } else if (vals.length === 2) {
        var m = vals[0] + vals[1] * 45;
        if (m > 0xff) throw new VerifyError("qr_encoding", "invalid Base45 group");
        out.push(m);
      } else {
        throw new VerifyError("qr_encoding", "truncated Base45");
      }
    }
    return new Uint8Array(out);
  }

  // --- zlib (only when the data starts with a zlib header; DCC-style) -------------------------------------
  async function inflate(bytes) {
    if (typeof DecompressionStream === "undefined") throw new VerifyError("qr_encoding", "no zlib support");
    try {
      var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
      var buf = await new Response(stream).arrayBuffer();
      return new Uint8Array(buf);
    } catch (e) {
      throw new VerifyError("qr_encoding", "invalid zlib data");
    }
  }

  // --- CBOR (RFC 8949) decoding: enough for COSE/CWT -----------------------------------------------------
  function Tag(tag, value) { this.tag = tag; this.value = value; }

  function cborDecode(bytes) {
    var pos = 0;
    var view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    function need(n) { if (pos + n > bytes.length) throw new VerifyError("qr_structure", "truncated CBOR"); }
    function readArg(info) {
      if (info < 24) return info;
      if (info === 24) { need(1); return bytes[pos++]; }
      if (info === 25) { need(2); var a = view.getUint16(pos); pos += 2; return a; }
      if (info === 26) { need(4); var b = view.getUint32(pos); pos += 4; return b; }
      if (info === 27) {
        need(8);
        var hi = view.getUint32(pos), lo = view.getUint32(pos + 4);
        pos += 8;
        return hi * 4294967296 + lo;
      }
      throw new VerifyError("qr_structure", "indefinite lengths are not accepted");
    }
    function item(depth) {
      if (depth > 16) throw new VerifyError("qr_structure", "CBOR nested too deeply");
      need(1);
      var ib = bytes[pos++], major = ib >> 5, info = ib & 31;
      if (major === 7) {
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22 || info === 23) return null;
        if (info === 25) { need(2); pos += 2; return 0; }
        if (info === 26) { need(4); var f = view.getFloat32(pos); pos += 4; return f; }
        if (info === 27) { need(8); var d = view.getFloat64(pos); pos += 8; return d; }
        throw new VerifyError("qr_structure", "unsupported CBOR simple value");
      }
      var arg = readArg(info);
      switch (major) {
        case 0: return arg;
        case 1: return -1 - arg;
        case 2: need(arg); var bs = bytes.slice(pos, pos + arg); pos += arg; return bs;
        case 3: need(arg); var ts = new TextDecoder("utf-8", { fatal: true }).decode(bytes.slice(pos, pos + arg));
          pos += arg; return ts;
        case 4: var arr = []; for (var i = 0; i < arg; i++) arr.push(item(depth + 1)); return arr;
        case 5:
          var map = new Map();
          for (var k = 0; k < arg; k++) {
            var key = item(depth + 1);
            if (map.has(key)) throw new VerifyError("qr_structure", "duplicate map key");
            map.set(key, item(depth + 1));
          }
          return map;
        case 6: return new Tag(arg, item(depth + 1));
      }
      throw new VerifyError("qr_structure", "bad CBOR");
    }
    var value = item(0);
    if (pos !== bytes.length) throw new VerifyError("qr_structure", "trailing bytes after CBOR");
    return value;
  }

  // --- CBOR encoding of Sig_structure ["Signature1", protected, h'', payload] -----------------------------
  function head(major, n) {
    if (n < 24) return [(major << 5) | n];
    if (n < 256) return [(major << 5) | 24, n];
    if (n < 65536) return [(major << 5) | 25, n >> 8, n & 255];
    return [(major << 5) | 26, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  }
  function sigStructure(protectedBytes, payload) {
    var parts = [head(4, 4), head(3, 10), Array.from(new TextEncoder().encode("Signature1")),
      head(2, protectedBytes.length), Array.from(protectedBytes), head(2, 0), head(2, payload.length),
      Array.from(payload)];
    var flat = [];
    parts.forEach(function (p) { for (var i = 0; i < p.length; i++) flat.push(p[i]); });
    return new Uint8Array(flat);
  }

  function hex(bytes) {
    return Array.from(bytes).map(function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function unhex(s) {
    var out = new Uint8Array(s.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
    return out;
  }

  // --- COSE_Sign1 ------------------------------------------------------------------------------------------
  function parseSign1(bytes) {
    var msg = cborDecode(bytes);
    if (msg instanceof Tag) {
      if (msg.tag !== 18) throw new VerifyError("qr_structure", "unexpected CBOR tag");
      msg = msg.value;
    }
    if (!Array.isArray(msg) || msg.length !== 4) throw new VerifyError("qr_structure", "not a COSE_Sign1");
    var prot = msg[0], unprot = msg[1], payload = msg[2], sig = msg[3];
    if (!(prot instanceof Uint8Array) || !(payload instanceof Uint8Array) || !(sig instanceof Uint8Array)) {
      throw new VerifyError("qr_structure", "bad COSE_Sign1 fields");
    }
    var ph = prot.length ? cborDecode(prot) : new Map();
    if (!(ph instanceof Map) || !(unprot instanceof Map)) throw new VerifyError("qr_structure", "bad headers");
    if (ph.has(2)) throw new VerifyError("qr_structure", "critical headers are not supported");
    var alg = ph.get(1);
    if (alg === undefined) throw new VerifyError("qr_structure", "alg missing");
    if (alg !== -7 && alg !== -8) throw new VerifyError("qr_algorithm", "unsupported alg " + alg);
    var kid = ph.has(4) ? ph.get(4) : unprot.get(4);
    if (!(kid instanceof Uint8Array) || !kid.length) throw new VerifyError("qr_structure", "kid missing");
    return { protectedBytes: prot, payload: payload, signature: sig, alg: alg, kid: hex(kid) };
  }

  async function importKey(spkiHex, alg) {
    var params = alg === -8 ? { name: "Ed25519" } : { name: "ECDSA", namedCurve: "P-256" };
    return crypto.subtle.importKey("spki", unhex(spkiHex), params, false, ["verify"]);
  }

  async function checkSignature(sign1, spkiHex, keyAlg) {
    if (keyAlg !== sign1.alg) throw new VerifyError("qr_unknown_key", "key type does not match alg");
    if (sign1.signature.length !== 64) throw new VerifyError("qr_signature", "bad signature length");
    var key;
    try {
      key = await importKey(spkiHex, sign1.alg);
    } catch (e) {
      throw new VerifyError("qr_algorithm", "this browser cannot check " + (sign1.alg === -8 ? "Ed25519" : "ES256"));
    }
    var params = sign1.alg === -8 ? { name: "Ed25519" } : { name: "ECDSA", hash: "SHA-256" };
    var ok = await crypto.subtle.verify(params, key, sign1.signature, sigStructure(sign1.protectedBytes, sign1.payload));
    if (!ok) throw new VerifyError("qr_signature", "signature does not verify");
  }

  // --- trust list ------------------------------------------------------------------------------------------
  var config = { trustUrl: "/.well-known/medreg/trust-list", apiUrl: "/api/v1/verify", anchor: null };

  async function verifyTrustList(doc) {
    if (!config.anchor) throw new VerifyError("trust_list", "no pinned trust-list key");
    if (doc.signer.kid !== config.anchor.kid) throw new VerifyError("trust_list", "trust list signed by an unknown key");
    var sign1 = parseSign1(unhex(doc.cose));
    if (sign1.kid !== config.anchor.kid) throw new VerifyError("trust_list", "trust list kid mismatch");
    await checkSignature(sign1, config.anchor.spki, config.anchor.alg === "EdDSA" ? -8 : -7);
    var claims = cborDecode(sign1.payload);
    var body = claims.get(-70002);
    var now = Date.now() / 1000;
    if (!(body instanceof Map) || claims.get(4) <= now) throw new VerifyError("trust_list", "trust list expired");
    var keys = {};
    body.get(4).forEach(function (k) {
      keys[hex(k.get(1))] = { alg: k.get(2), spki: hex(k.get(3)), issuerCode: k.get(4), issuer: k.get(5),
        notBefore: k.get(6), notAfter: k.get(7), authorityId: k.get(8), iss: k.get(9) };
    });
    var types = {};
    body.get(5).forEach(function (v, k) { types[k] = v; });
    return { keys: keys, types: types, notAfter: claims.get(4), statusBase: body.get(6) };
  }

  async function trustList() {
    var cached = null;
    try { cached = JSON.parse(localStorage.getItem(TL_KEY) || "null"); } catch (e) { cached = null; }
    if (navigator.onLine !== false) {
      try {
        var resp = await fetch(config.trustUrl, { headers: { Accept: "application/json" }, cache: "no-cache" });
        if (resp.ok) {
          var doc = await resp.json();
          var parsed = await verifyTrustList(doc);
          localStorage.setItem(TL_KEY, JSON.stringify(doc));
          return parsed;
        }
      } catch (e) {
        if (e instanceof VerifyError && e.code === "trust_list") throw e;
      }
    }
    if (cached) return verifyTrustList(cached);
    throw new VerifyError("trust_list", "no trust list available offline");
  }

  // --- status list (IETF Token Status List, 2 bits) ---------------------------------------------------------
  function b64(bytes) { var s = ""; bytes.forEach(function (b) { s += String.fromCharCode(b); }); return btoa(s); }
  function unb64(s) { var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i); return out; }

  async function statusSlot(uri, idx, tl) {
    var path;
    try { path = new URL(uri).pathname; } catch (e) { return null; }
    var key = SL_KEY + path, cached = null;
    try { cached = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { cached = null; }
    var body = null, fetchedAt = null;
    if (cached && Date.now() - cached.at < SL_TTL_MS) {
      body = unb64(cached.body); fetchedAt = cached.at;
    } else if (navigator.onLine !== false) {
      try {
        var resp = await fetch(path, { cache: "no-cache" });
        if (resp.ok) {
          body = new Uint8Array(await resp.arrayBuffer()); fetchedAt = Date.now();
          localStorage.setItem(key, JSON.stringify({ at: fetchedAt, body: b64(body) }));
        }
      } catch (e) { body = null; }
    }
    if (!body && cached) { body = unb64(cached.body); fetchedAt = cached.at; }
    if (!body) return null;
    var sign1 = parseSign1(body);
    var k = tl.keys[sign1.kid];
    if (!k) return null;
    await checkSignature(sign1, k.spki, k.alg);
    var claims = cborDecode(sign1.payload);
    var sl = claims.get(65533);
    var raw = await inflate(sl.get("lst"));
    var bits = sl.get("bits") || 2;
    var bit = idx * bits, byte = raw[Math.floor(bit / 8)];
    if (byte === undefined) return null;
    return { value: (byte >> (bit % 8)) & ((1 << bits) - 1), asOf: new Date(claims.get(6) * 1000) };
  }

  // --- the whole offline check ---------------------------------------------------------------------------
  function iso7064(s) {
    var A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", p = 36;
    for (var i = 0; i < s.length; i++) { var r = (p + A.indexOf(s[i])) % 36 || 36; p = (r * 2) % 37; }
    return A[(37 - p) % 36];
  }

  async function decodePayload(text) {
    text = (text || "").trim();
    if (text.indexOf(PREFIX) !== 0) throw new VerifyError("qr_prefix", "missing HL1: prefix");
    var data = base45Decode(text.slice(PREFIX.length));
    if (data[0] === 0x78) data = await inflate(data);
    else if (data[0] !== 0xd2) throw new VerifyError("qr_encoding", "neither zlib nor COSE");
    return data;
  }

  async function verifyOffline(text) {
    var sign1 = parseSign1(await decodePayload(text));
    var tl = await trustList();
    var key = tl.keys[sign1.kid];
    if (!key) throw new VerifyError("qr_unknown_key", "kid " + sign1.kid + " is not trusted");
    await checkSignature(sign1, key.spki, key.alg);
    var claims = cborDecode(sign1.payload);
    if (!(claims instanceof Map)) throw new VerifyError("qr_structure", "claims are not a map");
    var now = Date.now() / 1000, exp = claims.get(4), iat = claims.get(6);
    if (typeof exp !== "number" || typeof iat !== "number" || exp <= iat) throw new VerifyError("qr_structure", "bad exp/iat");
    if (now >= exp) throw new VerifyError("qr_expired", "expired");
    if (iat > now + 300) throw new VerifyError("qr_not_yet_valid", "issued in the future");
    var lic = claims.get(-70001);
    if (!(lic instanceof Map)) throw new VerifyError("qr_structure", "licence claim missing");
    if (claims.get(1) !== key.iss) throw new VerifyError("qr_structure", "iss does not match the key");
    var number = String(lic.get(4));
    var compact = String(lic.get(2));
    if (compact.split(".").length === 2) compact = number + "." + compact;
    var parts = compact.split(".");
    var typeCode = tl.types[lic.get(1)];
    var identifier = "1.2.156.3005.2." + typeCode + "." + key.issuerCode + "." + compact;
    if (iso7064(typeCode + key.issuerCode + parts[0] + parts[1]) !== parts[2]) {
      throw new VerifyError("qr_structure", "identifier check character");
    }
    var result = {
      signature: "valid", kind: lic.get(1), holder_name: lic.get(3), licence_no: number, identifier: identifier,
      category: lic.get(5) || "", scopes: lic.get(6) || [], institution: lic.get(7) || "", issuer: key.issuer,
      qr_expires_at: new Date(exp * 1000).toISOString(), status: "unknown", outcome: "valid",
    };
    var st = claims.get(65535);
    if (st instanceof Map && st.get("status_list") instanceof Map) {
      var ref = st.get("status_list");
      var slot = await statusSlot(ref.get("uri"), ref.get("idx"), tl);
      if (slot) {
        result.status_list_as_of = slot.asOf.toISOString();
        result.status = slot.value === 0 ? "valid" : slot.value === 2 ? "suspended" : "invalid";
        result.outcome = slot.value === 0 ? "valid" : "invalid";
      }
    }
    return result;
  }

  async function verifyOnline(text) {
    var resp = await fetch(config.apiUrl, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ qr: text }) });
    var body = await resp.json();
    return { ok: resp.ok, body: body };
  }

  // --- page wiring ----------------------------------------------------------------------------------------
  function el(id) { return document.getElementById(id); }
  function msg(code) {
    var node = el("msg-" + code);
    return node ? node.textContent : code;
  }

  function show(outcome, title, lines, facts) {
    var box = el("js-result");
    if (!box) return;
    box.hidden = false;
    box.className = "verdict " + (outcome === "valid" ? "verdict-valid" : "verdict-invalid");
    box.setAttribute("data-outcome", outcome);
    el("js-verdict").textContent = title;
    el("js-reason").textContent = lines.join(" · ");
    var dl = el("js-facts");
    dl.textContent = "";
    (facts || []).forEach(function (pair) {
      if (!pair[1]) return;
      var div = document.createElement("div"), dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = pair[0]; dd.textContent = pair[1];
      div.appendChild(dt); div.appendChild(dd); dl.appendChild(div);
    });
    box.focus();
  }

  async function check(text) {
    var offline = null, offlineError = null;
    try { offline = await verifyOffline(text); } catch (e) { offlineError = e; }
    var online = null;
    if (navigator.onLine !== false) {
      try { online = await verifyOnline(text); } catch (e) { online = null; }
    }
    if (online && online.ok) {
      var b = online.body, l = b.licence || {};
      show(b.outcome || (b.valid ? "valid" : "invalid"), msg("outcome-" + (b.outcome || (b.valid ? "valid" : "invalid"))),
        [b.status_label, b.message, offline ? msg("sig-ok") : ""].filter(Boolean),
        [[msg("f-holder"), l.holder_name], [msg("f-kind"), l.kind], [msg("f-number"), l.licence_no],
         [msg("f-category"), l.category], [msg("f-scopes"), (l.scopes || []).join("、")],
         [msg("f-institution"), l.institution], [msg("f-issuer"), b.issuer], [msg("f-identifier"), l.identifier]]);
      return;
    }
    if (online && !online.ok && online.body && online.body.errors) {
      var code = (online.body.errors[0] || {}).code || "qr_structure";
      show(code === "qr_expired" ? "expired" : "invalid", msg(code === "qr_expired" ? "outcome-expired" : "outcome-invalid"),
        [msg(code)], []);
      return;
    }
    if (offlineError) {
      var c = offlineError.code || "qr_structure";
      show(c === "qr_expired" ? "expired" : "invalid", msg(c === "qr_expired" ? "outcome-expired" : "outcome-invalid"),
        [msg(c) + (offlineError.detail ? " (" + offlineError.detail + ")" : "")], []);
      return;
    }
    show(offline.outcome, msg("outcome-" + offline.outcome), [msg("sig-ok"), msg("offline")],
      [[msg("f-holder"), offline.holder_name], [msg("f-number"), offline.licence_no],
       [msg("f-institution"), offline.institution], [msg("f-issuer"), offline.issuer],
       [msg("f-identifier"), offline.identifier]]);
  }

  // --- camera scanning with the self-hosted jsQR ----------------------------------------------------------
  var scanning = null;
  async function startScan() {
    var video = el("js-video");
    if (!navigator.mediaDevices || !window.jsQR) { show("invalid", msg("no-camera"), [], []); return; }
    try {
      scanning = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (e) { show("invalid", msg("no-camera"), [], []); return; }
    video.hidden = false;
    video.srcObject = scanning;
    await video.play();
    var canvas = document.createElement("canvas"), ctx = canvas.getContext("2d");
    (function tick() {
      if (!scanning) return;
      if (video.readyState === video.HAVE_ENOUGH_DATA) {
        canvas.width = video.videoWidth; canvas.height = video.videoHeight;
        ctx.drawImage(video, 0, 0);
        var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
        var code = window.jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
        if (code && code.data) {
          stopScan();
          el("qr").value = code.data;
          var f = el("verify-form");
          if (f && navigator.onLine !== false) f.submit();
          else check(code.data);
          return;
        }
      }
      requestAnimationFrame(tick);
    })();
  }
  function stopScan() {
    if (scanning) scanning.getTracks().forEach(function (t) { t.stop(); });
    scanning = null;
    var video = el("js-video");
    if (video) video.hidden = true;
  }

  function init() {
    var root = el("js-verifier");
    if (!root) return;
    config.trustUrl = root.getAttribute("data-trust-url") || config.trustUrl;
    config.apiUrl = root.getAttribute("data-api-url") || config.apiUrl;
    config.anchor = { kid: root.getAttribute("data-anchor-kid"), spki: root.getAttribute("data-anchor-spki"),
      alg: root.getAttribute("data-anchor-alg") };
    root.hidden = false;
    var form = el("verify-form");
    if (form) {
      // Online, the form goes to the server (its verdict is rendered by the page); offline, the
      // check runs here against the cached trust and status lists.
      form.addEventListener("submit", function (ev) {
        var text = el("qr").value;
        if (!text.trim() || navigator.onLine !== false) return;
        ev.preventDefault();
        check(text);
      });
      var initial = el("qr") ? el("qr").value : "";
      if (initial.trim()) check(initial);  // after a server check: the local signature check as well
    }
    var scan = el("js-scan");
    if (scan) scan.addEventListener("click", startScan);
    trustList().catch(function () { /* cached for offline use when it loads */ });
  }

  window.MedRegVerifier = { verifyOffline: verifyOffline, base45Decode: base45Decode, cborDecode: cborDecode,
    config: config, check: check };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
