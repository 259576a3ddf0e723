/** A post using what Markdown offers: headings of several levels, a table, an image, code, a list, a quote. */
export const MARKDOWN_SAMPLE = `# What we measured

Numbers from a week of the **front page** and one *long thread*:

| Page | Queries | Median | p99 |
|:--|--:|--:|--:|
| Front page | 3 | 2.1 ms | 6.0 ms |
| 1,000-comment thread | 4 | 9.8 ms | 21 ms |

### How

![Latency chart for the week](https://example.org/charts/latency-week.png)

\`\`\`sh
npx autocannon -c 20 -d 30 http://localhost:3000/
\`\`\`

- one query per page section, with \`EXPLAIN\` checked
- counters kept beside the rows

> Measure before you change anything.

## Next

See [the bench results](https://example.org/bench) for the rest.`;
