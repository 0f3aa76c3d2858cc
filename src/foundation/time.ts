// Time as Neutron renders it.

/** Neutron's timestamp form: 2016-03-08T20:19:41Z. */
// toISOString is always YYYY-MM-DDTHH:mm:ss.sssZ for these years: cut the milliseconds (no regex per write).
export const now = () => new Date().toISOString().slice(0, 19) + 'Z';
