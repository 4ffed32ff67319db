// Live character counters ("117/450 tegn") for text fields. The count is of characters as a
// person sees them (grapheme clusters), the same rule the server applies; without JavaScript
// the server shows the count after each step.
(function () {
  'use strict';
  var segmenter = (typeof Intl !== 'undefined' && Intl.Segmenter) ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
  function visibleLength(text) {
    var normalised = text.replace(/\r\n?/g, '\n').trim();
    if (segmenter) {
      var count = 0;
      for (var _ of segmenter.segment(normalised)) { count += 1; }
      return count;
    }
    return Array.from(normalised).length;
  }
  var counters = document.querySelectorAll('[data-counter-for]');
  Array.prototype.forEach.call(counters, function (counter) {
    var field = document.getElementById(counter.getAttribute('data-counter-for'));
    if (!field) { return; }
    var max = Number(counter.getAttribute('data-max'));
    var template = counter.getAttribute('data-template');
    function update() {
      var count = visibleLength(field.value);
      counter.textContent = template.replace('%count%', String(count)).replace('%max%', String(max));
      counter.classList.toggle('counter-over', count > max);
    }
    field.addEventListener('input', update);
    update();
  });
})();
