// Fit an equation to data with Occam.Symbolic: Newton's gravity from noisy samples.
using Occam.Symbolic;

var random = new Random(7);
const int rows = 500;
var x = new double[rows, 3];
var y = new double[rows];
for (int i = 0; i < rows; i++)
{
    double m1 = 1 + 4 * random.NextDouble(), m2 = 1 + 4 * random.NextDouble(), r = 0.5 + 2 * random.NextDouble();
    x[i, 0] = m1; x[i, 1] = m2; x[i, 2] = r;
    y[i] = 6.674 * m1 * m2 / (r * r) * (1 + 1e-3 * (random.NextDouble() - 0.5));
}

var result = SymbolicRegression.Fit(x, y, new SymbolicRegressionOptions
{
    VariableNames = ["m1", "m2", "r"],
    BinaryOperators = ["+", "-", "*", "/"],
    UnaryOperators = ["square"],
    MaxEvaluations = 3_000_000,   // a deterministic budget: the same front on any machine and thread count
    Seed = 1,
});

Console.WriteLine("complexity  loss          equation");
foreach (var entry in result.Pareto)
    Console.WriteLine($"{entry.Complexity,10}  {entry.Loss,-12:G4}  {entry.Infix}");
Console.WriteLine();
Console.WriteLine($"best:   {result.Best.Infix}");
Console.WriteLine($"SymPy:  {result.Best.Sympy}");
Console.WriteLine($"LaTeX:  {result.Best.Latex}");

// The best equation is an ordinary value: evaluate it, or compile it to a delegate.
var f = result.Best.Expression.Compile();
Console.WriteLine($"f(m1=2, m2=3, r=1.5) = {f([2, 3, 1.5]):G6} (true {6.674 * 2 * 3 / (1.5 * 1.5):G6})");
