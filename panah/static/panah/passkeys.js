// Passkeys and security keys (WebAuthn): ask the server for a challenge, let the browser talk to
// the passkey, and send its answer in the form's hidden field. Served from this site; no library.
(function () {
  "use strict";

  function toBytes(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "===".slice((base64.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function toText(buffer) {
    let binary = "";
    new Uint8Array(buffer).forEach((b) => { binary += String.fromCharCode(b); });
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBytes(list) {
    return (list || []).map((c) => Object.assign({}, c, { id: toBytes(c.id) }));
  }

  function creationOptions(o) {
    return Object.assign({}, o, {
      challenge: toBytes(o.challenge),
      user: Object.assign({}, o.user, { id: toBytes(o.user.id) }),
      excludeCredentials: withBytes(o.excludeCredentials),
    });
  }

  function requestOptions(o) {
    return Object.assign({}, o, {
      challenge: toBytes(o.challenge),
      allowCredentials: withBytes(o.allowCredentials),
    });
  }

  function answer(credential) {
    const r = credential.response;
    const response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      if (r.userHandle) response.userHandle = toText(r.userHandle);
    }
    return JSON.stringify({
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: response,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
    });
  }

  async function run(button) {
    const form = button.closest("form");
    const status = form.querySelector("[data-passkey-status]");
    const say = (text) => { if (status) status.textContent = text; };
    if (!window.PublicKeyCredential || !navigator.credentials) {
      say(button.dataset.unsupported);
      return;
    }
    button.disabled = true;
    say(button.dataset.waiting);
    try {
      const begun = await fetch(button.dataset.begin, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value,
        },
        body: "{}",
      });
      if (!begun.ok || !(begun.headers.get("Content-Type") || "").includes("json")) {
        throw new Error("begin");
      }
      const options = await begun.json();
      const credential = button.dataset.passkey === "register"
        ? await navigator.credentials.create({ publicKey: creationOptions(options) })
        : await navigator.credentials.get({ publicKey: requestOptions(options) });
      form.querySelector("input[name=" + button.dataset.field + "]").value = answer(credential);
      if (button.name) {
        const action = document.createElement("input");
        action.type = "hidden";
        action.name = button.name;
        action.value = button.value;
        form.appendChild(action);
      }
      form.submit();
    } catch (error) {
      say(button.dataset.failed);
      button.disabled = false;
    }
  }

  document.querySelectorAll("button[data-passkey]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", (event) => {
      event.preventDefault();
      run(button);
    });
  });
})();
