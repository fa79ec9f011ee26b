export function electronBinary(): { ok: true; binary: string } | { ok: false; why: string };
