// Payloads that try to run script or inject markup. Any of them that worked
// would set window.__xss, open a dialog (alert), or add an element with the id
// "xss-marker"; test/browser/xss.test.ts looks for all three, and for CSP
// violations (an injected inline script that only the CSP stopped).

const RUN = 'window.__xss=1';

/** For every text field: titles (each ≤ 120 characters), post text, comments, form values. */
export const XSS_PAYLOADS: readonly string[] = [
  // Plain script and event handlers
  `<script>alert(1);${RUN}</script>`,
  `<img src=x onerror="alert(1);${RUN}">`,
  `<b id="xss-marker">injected</b>`,
  `<details open ontoggle=${RUN}>`,
  `<input autofocus onfocus=${RUN}>`,
  `<body onload=${RUN}>`,
  // SVG and MathML (foreign content parses differently)
  `<svg onload=${RUN}>`,
  `<svg><script>${RUN}</script></svg>`,
  `<svg><animate onbegin=${RUN} attributeName=x dur=1s>`,
  `<svg><a xlink:href="javascript:${RUN}"><text y=20>x</text></a></svg>`,
  `<math><mtext><table><mglyph><style><img src=x onerror=${RUN}>`,
  // Breaking out of the element or attribute a value lands in
  `"><script>${RUN}</script>`,
  `'><img src=x onerror=${RUN}>`,
  `" autofocus onfocus="${RUN}" x="`,
  `' autofocus onfocus='${RUN}' x='`,
  `</textarea><script>${RUN}</script>`,
  `</title><script>${RUN}</script>`,
  `</details></li></ol><b id="xss-marker">x</b>`,
  `--><script>${RUN}</script><!--`,
  `]]><script>${RUN}</script>`,
  // Broken markup
  `<img src=x onerror=${RUN}//`,
  `<<script>script>${RUN}<</script>/script>`,
  `<scr<script>ipt>${RUN}</scr</script>ipt>`,
  `<!--<script>--><script>${RUN}</script>`,
  `<a href="x" onmouseover=${RUN} <b>`,
  // URLs that run script
  `<a href="javascript:${RUN}">click</a>`,
  `<iframe src="javascript:parent.__xss=1"></iframe>`,
  `<object data="data:text/html,<script>parent.__xss=1</script>">`,
  `<meta http-equiv="refresh" content="0;url=javascript:${RUN}">`,
  `<base href="https://evil.example/">`,
  `<form action="javascript:${RUN}"><button>go</button></form>`,
  `<style>*{background:url("javascript:${RUN}")}</style>`,
  // Markdown links and autolinks
  `[click](javascript:${RUN})`,
  `[click](JaVaScRiPt:${RUN})`,
  `[click](&#106;avascript:${RUN})`,
  `[click](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)`,
  `[click](vbscript:msgbox(1))`,
  `<javascript:${RUN}>`,
  `![x](x" onerror="${RUN})`,
  `[x](https://example.com/" onmouseover="${RUN})`,
  `[ref]\n\n[ref]: javascript:${RUN}`,
  '```\n</code></pre><script>window.__xss=1</script>\n```',
  // Unicode tricks: bidi override, zero-width and fullwidth characters
  `photo\u202Egnp.js<script>${RUN}</script>`,
  `<scr\u200Bipt>${RUN}</scr\u200Bipt>`,
  `\u200B<img src=x onerror=${RUN}>\uFEFF`,
  `＜script＞${RUN}＜/script＞`,
  `＜img src=x onerror=${RUN}＞`,
  `＂ onmouseover=＂${RUN}`,
  `<\u0338script>${RUN}</script>`,
  `\u2028</script><script>${RUN}</script>`,
  // Entity tricks
  `&lt;script&gt;${RUN}&lt;/script&gt;`,
  `&#60;img src=x onerror=${RUN}&#62;`,
  `&#x3C;svg onload=${RUN}&#x3E;`,
  `&quot; onmouseover=&quot;${RUN}`,
  `&amp;lt;script&amp;gt;${RUN}&amp;lt;/script&amp;gt;`,
  `<a href="&#106;&#97;vascript:${RUN}">x</a>`,
  // Template injection, for the day a client framework arrives
  `{{constructor.constructor('${RUN}')()}}`,
  `\${alert(1)}`,
];

/** Valid http(s) links with tricks in them: accepted as a post's URL. */
export const XSS_LINKS: readonly string[] = [
  `https://example.com/"><script>${RUN}</script>`,
  `https://example.com/?q='onmouseover='${RUN}`,
  `https://example.org/#"><img src=x onerror=${RUN}>`,
  `http://x.example/<svg/onload=${RUN}>`,
  `https://example.net/javascript:${RUN}`,
  `https://ｅｘａｍｐｌｅ.com/＜script＞`,
];

/** Links the site must refuse: the form comes back with them in its URL field. */
export const XSS_REFUSED_LINKS: readonly string[] = [
  `javascript:${RUN}`,
  `JaVaScRiPt:alert(1)`,
  `data:text/html,<script>${RUN}</script>`,
  `javascript://example.com/%0a${RUN}`,
];
