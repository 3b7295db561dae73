// Layout as the code was written by hand: single quotes, semicolons, trailing commas, long lines
// allowed up to 140 characters (a one-line guard or log call reads better than a wrapped one).
/** @type {import('prettier').Config} */
export default {
  singleQuote: true,
  printWidth: 140,
  trailingComma: 'all',
  arrowParens: 'always',
};
