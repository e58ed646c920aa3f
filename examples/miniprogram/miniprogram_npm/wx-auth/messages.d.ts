// Types for wx-auth/messages: what to tell the user, in Chinese (the default) or English.
import { AuthState } from './index';

export type Language = 'zh-CN' | 'en';

/** What to tell the user about an SDK error (anything without a known `code` gets a general text). */
export function errorMessage(err: unknown, lang?: Language): string;

/** What to tell the user about a state, with the reason when logged out. */
export function stateMessage(state: AuthState, lang?: Language): string;

/** The languages there are texts for. */
export const languages: Language[];
