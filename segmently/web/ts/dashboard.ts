// Small dashboard behaviours: copy buttons. Everything else is server-rendered.

function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  // Fallback for plain-http self-hosted installs where the Clipboard API is unavailable.
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  try {
    document.execCommand("copy");
  } finally {
    area.remove();
  }
  return Promise.resolve();
}

document.addEventListener("click", (event) => {
  const button = (event.target as Element | null)?.closest<HTMLButtonElement>("button[data-copy-target]");
  if (!button) return;
  const target = document.getElementById(button.dataset.copyTarget ?? "");
  if (!target) return;
  const label = button.textContent;
  copyText(target.textContent ?? "").then(
    () => {
      button.textContent = "Copied ✓";
      button.dataset.copied = "true";
      window.setTimeout(() => {
        button.textContent = label;
      }, 1500);
    },
    () => {
      button.textContent = "Press Ctrl+C";
    },
  );
});

// Three-dot menus (<details class="menu">): one open at a time, closed by a click elsewhere or Escape.
function closeMenus(except?: Element | null): void {
  document.querySelectorAll<HTMLDetailsElement>("details.menu[open]").forEach((menu) => {
    if (menu !== except) menu.open = false;
  });
}

document.addEventListener("click", (event) => {
  closeMenus((event.target as Element | null)?.closest("details.menu"));
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const open = document.querySelector<HTMLDetailsElement>("details.menu[open]");
  if (!open) return;
  closeMenus();
  open.querySelector("summary")?.focus();
});
