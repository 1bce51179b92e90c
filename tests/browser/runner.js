// Runs the cases of one page, one after the other, with fetch(); called through WebDriver's
// "execute async script": arguments[0] is the list of cases, the last argument the callback.
// Cases marked `sandboxed` run inside <iframe sandbox="allow-scripts" srcdoc=...>, an opaque
// origin (`Origin: null`), and post their result back with postMessage.
const cases = arguments[0];
const done = arguments[arguments.length - 1];

async function runCase(c) {
  const fetches = [];
  for (let i = 0; i < c.fetches; i++) {
    const init = {
      method: c.method,
      headers: c.headers,
      credentials: c.credentials,
      mode: "cors",
      // No `cache` option: Chromium bypasses its preflight cache for "no-store"/"reload",
      // which would defeat the Max-Age cases. Every case has its own URL, and no test
      // response is cacheable, so the HTTP cache cannot answer in place of the server.
    };
    if (c.body !== null) init.body = c.body;
    try {
      const response = await fetch(c.url, init);
      const headers = {};
      response.headers.forEach((value, name) => { headers[name] = value; });
      const body = await response.text();
      fetches.push({ ok: true, status: response.status, headers, body });
    } catch (error) {
      fetches.push({ ok: false, error: `${error.name}: ${error.message}` });
    }
  }
  return fetches;
}

function runSandboxed(c) {
  return new Promise((resolve) => {
    const frame = document.createElement("iframe");
    frame.setAttribute("sandbox", "allow-scripts");
    const onMessage = (event) => {
      if (event.source !== frame.contentWindow) return;
      window.removeEventListener("message", onMessage);
      frame.remove();
      resolve(event.data);
    };
    window.addEventListener("message", onMessage);
    const script =
      `const runCase = ${runCase.toString()};\n` +
      `runCase(${JSON.stringify(c)}).then(` +
      `(r) => parent.postMessage({ origin: self.origin, fetches: r }, "*"), ` +
      `(e) => parent.postMessage({ origin: self.origin, harnessError: String(e) }, "*"));`;
    frame.srcdoc = "<!doctype html><script>" + script + "<\/script>";
    document.body.appendChild(frame);
  });
}

(async () => {
  const results = [];
  for (const c of cases) {
    if (c.sandboxed) {
      results.push({ name: c.name, ...(await runSandboxed(c)) });
    } else {
      results.push({ name: c.name, origin: location.origin, fetches: await runCase(c) });
    }
  }
  return results;
})().then(done, (error) => done({ harnessError: String(error) }));
