// Limits a client checks before sending, declared once (the chat body schema and the web composer both read them).

/** The longest chat message, in characters (POST /api/v1/chat/message and the chat WebSocket's `text`). */
export const MAX_MESSAGE_CHARS = 500_000;
