/** Style sheets: the app imports them for their effect (bundled CSS); the report bundle as text. */
declare module '*.css' {
  const text: string;
  export default text;
}
