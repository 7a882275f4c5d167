// wrangler.toml's Text rule turns every import from ./static into the file's contents.
declare module "./static/*" {
  const text: string;
  export default text;
}
