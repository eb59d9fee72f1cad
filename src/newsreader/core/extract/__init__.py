"""Pages to text: main text as Markdown, metadata, paywall detection, teaser links."""
