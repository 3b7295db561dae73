import { headers } from 'next/headers';
import { localeFrom } from './format.ts';

/** The viewer's locale, from the browser's Accept-Language: numbers and money read the way they expect. */
export async function viewerLocale(): Promise<string> {
  return localeFrom((await headers()).get('accept-language'));
}
