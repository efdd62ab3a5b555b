// Placeholder; the chat workspace replaces this.
export {};
const status = document.getElementById("status");
if (status) status.textContent = "Penguin is running.";
