// The Hookway inspector: refreshes the server-rendered fragments every two seconds, and posts the
// buttons. Every fragment is HTML the server escaped; nothing from an event is put in the page here.
"use strict";

const REFRESH_MS = 2000;

// An element whose `data-live` names a fragment: refreshed in place, with the page's filters.
function follow(element) {
  const refresh = async () => {
    const url = new URL(element.dataset.live, window.location.origin);
    for (const [name, value] of new URLSearchParams(window.location.search)) {
      if (!url.searchParams.has(name)) url.searchParams.set(name, value);
    }
    try {
      const answer = await fetch(url, { cache: "no-store" });
      if (answer.ok) element.innerHTML = await answer.text();
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

  const replay = document.getElementById("replay");
  if (replay) {
    replay.addEventListener("click", () =>
      press("/_hookway/replay", { id: replay.dataset.id, source: replay.dataset.source },
        document.getElementById("replay-result")));
  }

  document.querySelectorAll("button.redrive").forEach((button) => {
    button.addEventListener("click", async () => {
      const fields = { queue: button.dataset.queue, id: button.dataset.id };
      if (await press("/_hookway/redrive", fields, document.getElementById("redrive-result"))) {
        window.setTimeout(() => window.location.reload(), REFRESH_MS);
      }
    });
  });
});
