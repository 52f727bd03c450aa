// The Hookway inspector: refreshes the server-rendered fragments every two seconds, and posts the
// buttons. Every fragment is HTML the server escaped; nothing from an event is put in the page here.
"use strict";

const REFRESH_MS = 2000;

// An element whose `data-live` names a fragment: refreshed in place, with the page's filters. The
// page only changes when the fragment did, so that a selection (an id being copied) survives.
function follow(element) {
  let shown = element.innerHTML;
  const refresh = async () => {
    const url = new URL(element.dataset.live, window.location.origin);
    for (const [name, value] of new URLSearchParams(window.location.search)) {
      if (!url.searchParams.has(name)) url.searchParams.set(name, value);
    }
    try {
      const answer = await fetch(url, { cache: "no-store" });
      const fragment = answer.ok ? await answer.text() : shown;
      if (fragment !== shown) {
        element.innerHTML = fragment;
        shown = element.innerHTML;
      }
    } catch (_) {
      // The stack is stopping, or restarting: the next refresh tries again.
    }
    window.setTimeout(refresh, REFRESH_MS);
  };
  window.setTimeout(refresh, REFRESH_MS);
}

async function press(path, fields, result) {
  result.textContent = "…";
  try {
    const answer = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Hookway-Inspector": "1" },
      body: new URLSearchParams(fields),
    });
    result.textContent = await answer.text();
    return answer.ok;
  } catch (error) {
    result.textContent = String(error);
    return false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-live]").forEach(follow);

  // Filters apply at once, and stay in the address for a reload.
  const filters = document.getElementById("filters");
  if (filters) {
    filters.addEventListener("change", () => filters.requestSubmit());
  }

  // Each click is a run of its own: the button waits for the answer, so a double click is one run.
  const replay = document.getElementById("replay");
  if (replay) {
    replay.addEventListener("click", async () => {
      replay.disabled = true;
      await press("/_hookway/replay", { id: replay.dataset.id, source: replay.dataset.source },
        document.getElementById("replay-result"));
      replay.disabled = false;
    });
  }

  document.querySelectorAll("button.redrive").forEach((button) => {
    button.addEventListener("click", async () => {
      const all = button.dataset.all === "1";
      if (all && !window.confirm(`Send every dead letter of the ${button.dataset.queue} queue back?`)) return;
      const fields = all
        ? { queue: button.dataset.queue, all: "1" }
        : { queue: button.dataset.queue, id: button.dataset.id, source: button.dataset.source };
      button.disabled = true;
      if (await press("/_hookway/redrive", fields, document.getElementById("redrive-result"))) {
        window.setTimeout(() => window.location.reload(), REFRESH_MS);
      } else {
        button.disabled = false;
      }
    });
  });
});
