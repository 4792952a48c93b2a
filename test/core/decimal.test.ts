import t from 'tap'
import {
  addDecimals,
  compareDecimals,
  formatDecimal,
  MAX_DECIMAL_EXPONENT,
  parseDecimal,
} from '../../packages/core/src/core/decimal.js'

t.test('parses and prints plain notation exactly', async (t) => {
  const cases: [string | number, string][] = [
    ['0', '0'],
    ['00012', '12'],
    ['0.1337', '0.1337'],
    ['0.13370', '0.1337'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['+7', '7'],
    ['-2.50', '-2.5'],
    ['1e3', '1000'],
    ['2.5E-2', '0.025'],
    ['1e+21', '1000000000000000000000'],
    [' 42 ', '42'],
    [0.1, '0.1'],
    [1e21, '1000000000000000000000'],
    [123456789012345678901234567890n.toString(), '123456789012345678901234567890'],
    ['0.000000000000000001', '0.000000000000000001'],
  ]
  for (const [input, expected] of cases) {
    const parsed = parseDecimal(input)
    t.ok(parsed, `parses ${JSON.stringify(input)}`)
    t.equal(formatDecimal(parsed!), expected, `formats ${JSON.stringify(input)}`)
  }
})

t.test('refuses what is not a number', async (t) => {
  for (const input of ['', 'abc', '1.2.3', '0x10', '1e', 'e5', '--1', 'NaN', 'Infinity', '1 000', '١٢']) {
    t.equal(parseDecimal(input), undefined, JSON.stringify(input))
  }
  t.equal(parseDecimal(Number.NaN), undefined)
  t.equal(parseDecimal(Number.POSITIVE_INFINITY), undefined)
  t.equal(parseDecimal({} as unknown as string), undefined)
  t.equal(parseDecimal('9'.repeat(401)), undefined, 'absurdly long input')
})

t.test('refuses exponents that would build enormous bigints', async (t) => {
  t.equal(parseDecimal(`1e${MAX_DECIMAL_EXPONENT + 1}`), undefined)
  t.equal(parseDecimal('1e999999999'), undefined)
  t.ok(parseDecimal(`1e${MAX_DECIMAL_EXPONENT}`))
})

t.test('compares exactly, beyond 2^53 and across scales', async (t) => {
  t.equal(compareDecimals('0.1337', '0.13370'), 0)
  t.equal(compareDecimals('9007199254740993', '9007199254740992'), 1, '2^53 + 1 > 2^53')
  t.equal(compareDecimals('1', '1.000000000000000000000001'), -1)
  t.equal(compareDecimals('1e3', 1000), 0)
  t.equal(compareDecimals('-1', '0'), -1)
  t.throws(() => compareDecimals('x', '1'), RangeError)
})

t.test('adds exactly', async (t) => {
  t.equal(addDecimals('0.1', '0.2'), '0.3')
  t.equal(addDecimals('9007199254740993', '1'), '9007199254740994')
  t.equal(addDecimals('1.5', '-1.5'), '0')
  t.throws(() => addDecimals('1', 'nope'), RangeError)
})
