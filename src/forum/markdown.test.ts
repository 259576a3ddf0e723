import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown.js';

describe('renderMarkdown', () => {
  it('starts user headings below the page title and never skips a level', () => {
    expect(renderMarkdown('# Title\n\n### Deeper\n\n## Back\n\n###### Deepest')).toBe('<h2>Title</h2>\n<h3>Deeper</h3>\n<h3>Back</h3>\n<h4>Deepest</h4>\n');
    expect(renderMarkdown('### Only a third-level heading')).toBe('<h2>Only a third-level heading</h2>\n');
  });

  it('renders an image as a link to it, with its alt text or its address', () => {
    expect(renderMarkdown('See ![the chart](https://example.org/chart.png?a=1&b=2).')).toBe(
      '<p>See <a href="https://example.org/chart.png?a=1&amp;b=2" rel="nofollow ugc noopener">the chart</a> (image).</p>\n',
    );
    expect(renderMarkdown('![](https://example.org/x.png)')).toBe('<p><a href="https://example.org/x.png" rel="nofollow ugc noopener">https://example.org/x.png</a> (image)</p>\n');
  });

  it('keeps only the text of an image inside a link (links do not nest), and never an <img>', () => {
    expect(renderMarkdown('[![build passing](https://ci.example.org/badge.svg)](https://ci.example.org/)')).toBe(
      '<p><a href="https://ci.example.org/" rel="nofollow ugc noopener">build passing</a></p>\n',
    );
    const hostile = renderMarkdown('![<b>x</b>](javascript:alert(1)) ![a"b](https://e.org/" onerror="x)');
    expect(hostile).not.toMatch(/<img|<b>|href="javascript:|<a [^>]*onerror/);
  });

  it('aligns table columns with classes, since the CSP refuses style attributes', () => {
    const table = renderMarkdown('| Left | Right | Centre |\n|:--|--:|:-:|\n| a | 1 | x |');
    expect(table).toContain('<th class="align-left">Left</th>');
    expect(table).toContain('<td class="align-right">1</td>');
    expect(table).toContain('<td class="align-center">x</td>');
    expect(table).not.toContain('style=');
  });
});
