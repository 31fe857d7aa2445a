//! The tiled product's two kernels, as WGSL text: out[m, n] = lhs[m, k] · rhs[k, n].
//!
//! Both keep a block of the product in registers and use no workgroup memory and no barriers,
//! which is what a software adapter runs fast. Each reads `dims`: m, k, n, then lhs's and rhs's
//! strides (in elements); the output is row-major. Rows and columns past the edge of the product
//! read the last ones (clamped) and are not written.

/// How an operand lies in memory, as far as the vec4 kernel reads it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Operand {
    /// Rows one after another.
    RowMajor,
    /// Columns one after another: the transpose of a row-major matrix, as backward passes give.
    Transposed,
}

/// Which kernel a product takes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Kernel {
    /// The fast one: operands read as vec4s in place, a 16×16 block per invocation. k and n come
    /// in fours, and so do m where lhs is read transposed.
    Vec4 { lhs: Operand, rhs: Operand },
    /// Any strides and sizes (a 2-wide latent layer): scalar reads, a 4×4 block per invocation.
    Strided,
}

const LANES: [&str; 4] = ["x", "y", "z", "w"];

impl Kernel {
    /// The kernel for these operands, from their shapes and strides.
    pub fn for_operands(lhs: &impl Matrix, rhs: &impl Matrix) -> Self {
        let ([m, k], [_, n]) = (lhs.shape(), rhs.shape());
        let layout = |matrix: &dyn Matrix| {
            let [rows, columns] = matrix.shape();
            match matrix.strides() {
                s if s == [columns, 1] => Some(Operand::RowMajor),
                s if s == [1, rows] => Some(Operand::Transposed),
                _ => None,
            }
        };
        match (layout(lhs), layout(rhs)) {
            (Some(l), Some(r))
                if k % 4 == 0 && n % 4 == 0 && (l == Operand::RowMajor || m % 4 == 0) =>
            {
                Kernel::Vec4 { lhs: l, rhs: r }
            }
            _ => Kernel::Strided,
        }
    }

    /// Rows × columns of the product that one invocation computes.
    pub fn tile(self) -> (usize, usize) {
        match self {
            Kernel::Vec4 { .. } => (16, 16),
            Kernel::Strided => (4, 4),
        }
    }

    pub fn wgsl(self, (wx, wy): (u32, u32)) -> String {
        let element = match self {
            Kernel::Vec4 { .. } => "vec4<f32>",
            Kernel::Strided => "f32",
        };
        let mut s = format!(
            "@group(0) @binding(0) var<storage, read_write> lhs: array<{element}>;
@group(0) @binding(1) var<storage, read_write> rhs: array<{element}>;
@group(0) @binding(2) var<storage, read_write> out: array<{element}>;
@group(0) @binding(3) var<storage, read_write> dims: array<u32>;

@compute @workgroup_size({wx}, {wy})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {{
    let m = dims[0]; let k = dims[1]; let n = dims[2];
"
        );
        match self {
            Kernel::Vec4 { lhs, rhs } => vec4_body(&mut s, lhs, rhs),
            Kernel::Strided => strided_body(&mut s),
        }
        s += "}\n";
        s
    }
}

/// What the kernel needs to know of an operand.
pub trait Matrix {
    fn shape(&self) -> [usize; 2];
    fn strides(&self) -> [usize; 2];
}

/// Invocation (x, y) computes rows 16y..16y+16 and columns 16x..16x+16 (four vec4s of them), reading
/// four values of k per pass.
fn vec4_body(s: &mut String, lhs: Operand, rhs: Operand) {
    let (tm, tn) = Kernel::Vec4 { lhs, rhs }.tile();
    let blocks = tn / 4;
    *s += &format!(
        "    let k4 = k / 4u; let mb = m / 4u; let nb = n / 4u;
    let m0 = id.y * {tm}u; let c0 = id.x * {blocks}u;
    if (m0 >= m || c0 >= nb) {{ return; }}
"
    );
    for r in 0..tm {
        for j in 0..blocks {
            *s += &format!("    var acc{r}_{j} = vec4<f32>(0.0);\n");
        }
    }
    *s += "    for (var kk = 0u; kk < k4; kk++) {\n";
    // a(r, q): lhs[m0 + r, 4kk + q], a scalar.
    let a = |r: usize, q: usize| match lhs {
        Operand::RowMajor => format!("a{r}.{}", LANES[q]),
        Operand::Transposed => format!("a{q}_{}.{}", r / 4, LANES[r % 4]),
    };
    match lhs {
        Operand::RowMajor => {
            for r in 0..tm {
                *s += &format!("        let a{r} = lhs[min(m0 + {r}u, m - 1u) * k4 + kk];\n");
            }
        }
        Operand::Transposed => {
            for q in 0..4 {
                for i in 0..tm / 4 {
                    *s += &format!(
                        "        let a{q}_{i} = lhs[(kk * 4u + {q}u) * mb + min(m0 / 4u + {i}u, mb - 1u)];\n"
                    );
                }
            }
        }
    }
    // b{q}_{j}: rhs[4kk + q, 4(c0 + j) .. 4(c0 + j) + 4], a vec4.
    match rhs {
        Operand::RowMajor => {
            for q in 0..4 {
                for j in 0..blocks {
                    *s += &format!(
                        "        let b{q}_{j} = rhs[(kk * 4u + {q}u) * nb + min(c0 + {j}u, nb - 1u)];\n"
                    );
                }
            }
        }
        Operand::Transposed => {
            for c in 0..tn {
                *s += &format!(
                    "        let t{c} = rhs[min((c0 + {}u) * 4u + {}u, n - 1u) * k4 + kk];\n",
                    c / 4,
                    c % 4
                );
            }
            for (q, lane) in LANES.iter().enumerate() {
                for j in 0..blocks {
                    let lanes: Vec<String> =
                        (0..4).map(|l| format!("t{}.{lane}", 4 * j + l)).collect();
                    *s += &format!("        let b{q}_{j} = vec4<f32>({});\n", lanes.join(", "));
                }
            }
        }
    }
    for r in 0..tm {
        for j in 0..blocks {
            let terms: Vec<String> = (0..4).map(|q| format!("{} * b{q}_{j}", a(r, q))).collect();
            *s += &format!("        acc{r}_{j} = acc{r}_{j} + {};\n", terms.join(" + "));
        }
    }
    *s += "    }\n";
    for r in 0..tm {
        for j in 0..blocks {
            *s += &format!(
                "    if (m0 + {r}u < m && c0 + {j}u < nb) {{ out[(m0 + {r}u) * nb + c0 + {j}u] = acc{r}_{j}; }}\n"
            );
        }
    }
}

/// Invocation (x, y) computes rows 4y..4y+4 and columns 4x..4x+4, one value of k per pass.
fn strided_body(s: &mut String) {
    let (tm, tn) = Kernel::Strided.tile();
    *s += &format!(
        "    let ls = vec2<u32>(dims[3], dims[4]); let rs = vec2<u32>(dims[5], dims[6]);
    let m0 = id.y * {tm}u; let n0 = id.x * {tn}u;
    if (m0 >= m || n0 >= n) {{ return; }}
"
    );
    for r in 0..tm {
        *s += &format!("    let row{r} = min(m0 + {r}u, m - 1u) * ls.x;\n");
    }
    for c in 0..tn {
        *s += &format!("    let column{c} = min(n0 + {c}u, n - 1u) * rs.y;\n");
        for r in 0..tm {
            *s += &format!("    var acc{r}_{c} = 0.0;\n");
        }
    }
    *s += "    for (var kk = 0u; kk < k; kk++) {\n";
    for r in 0..tm {
        *s += &format!("        let a{r} = lhs[row{r} + kk * ls.y];\n");
    }
    for c in 0..tn {
        *s += &format!("        let b{c} = rhs[kk * rs.x + column{c}];\n");
    }
    for r in 0..tm {
        for c in 0..tn {
            *s += &format!("        acc{r}_{c} = acc{r}_{c} + a{r} * b{c};\n");
        }
    }
    *s += "    }\n";
    for r in 0..tm {
        for c in 0..tn {
            *s += &format!(
                "    if (m0 + {r}u < m && n0 + {c}u < n) {{ out[(m0 + {r}u) * n + n0 + {c}u] = acc{r}_{c}; }}\n"
            );
        }
    }
}
