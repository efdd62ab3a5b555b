// UUIDv7 everywhere: time-ordered (good index locality), globally unique (safe across instances).
export const newId = (): string => Bun.randomUUIDv7();
