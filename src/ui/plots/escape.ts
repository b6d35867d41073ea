// Plotly renders a subset of HTML in trace names, axis titles, annotations and hover labels
// (<b>, <a href>, <br>, entities…). User text (run names) must show as text: escape it before it
// reaches any Plotly string. Plotly decodes these entities back to characters in its text nodes.
// Plotly decodes &amp; &lt; &gt; and numeric entities, but not &quot;: quotes use numeric ones.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

/** `<img src=x>` → `&lt;img src=x&gt;`: safe in every Plotly label, legend and hover string. */
export function escapePlotlyText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** For hovertemplates, where `%{…}` is also interpreted: escape the percent sign too. */
export function escapePlotlyTemplate(text: string): string {
  return escapePlotlyText(text).replace(/%/g, '&#37;');
}

const DECODED: Record<string, string> = Object.fromEntries(Object.entries(ENTITIES).map(([c, e]) => [e, c]));

/** The inverse of escapePlotlyText: a Plotly label back to the text it shows. */
export function unescapePlotlyText(text: string): string {
  return text.replace(/&(?:amp|lt|gt|#34|#39);/g, (e) => DECODED[e]);
}
