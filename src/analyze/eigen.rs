//! Eigendecomposition of a real symmetric matrix by the cyclic Jacobi method, on ndarray.
//!
//! Written here because ndarray-linalg needs a system LAPACK; driver matrices are small (one
//! row per driver feature), where Jacobi is accurate to machine precision and fast enough.

use ndarray::{Array1, Array2};

/// Eigenvalues (descending) and the matching unit eigenvectors (columns of `vectors`), so that
/// `a = vectors * diag(values) * vectors'`.
#[derive(Debug, Clone)]
pub struct SymmetricEigen {
    /// Eigenvalues, largest first.
    pub values: Array1<f64>,
    /// Eigenvectors as columns, in the order of `values`.
    pub vectors: Array2<f64>,
}

/// Decomposes the symmetric matrix `a` (only symmetric input gives meaningful results; the
/// upper and lower triangles are averaged first). Returns `None` for a non-square matrix.
pub fn symmetric_eigen(a: &Array2<f64>) -> Option<SymmetricEigen> {
    let n = a.nrows();
    if a.ncols() != n {
        return None;
    }
    let mut m = (a + &a.t()) / 2.0;
    let mut v = Array2::<f64>::eye(n);
    let scale: f64 = m
        .iter()
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt()
        .max(f64::MIN_POSITIVE);
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[[i, j]] * m[[i, j]])
            .sum::<f64>()
            .sqrt();
        if off <= 1e-15 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[[p, q]];
                if apq.abs() <= f64::MIN_POSITIVE {
                    continue;
                }
                // Rotation angle that zeroes m[p][q] (Golub & Van Loan, Alg. 8.4.1).
                let theta = (m[[q, q]] - m[[p, p]]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (mkp, mkq) = (m[[k, p]], m[[k, q]]);
                    m[[k, p]] = c * mkp - s * mkq;
                    m[[k, q]] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let (mpk, mqk) = (m[[p, k]], m[[q, k]]);
                    m[[p, k]] = c * mpk - s * mqk;
                    m[[q, k]] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[[k, p]], v[[k, q]]);
                    v[[k, p]] = c * vkp - s * vkq;
                    v[[k, q]] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| m[[j, j]].total_cmp(&m[[i, i]]));
    let values = Array1::from_iter(order.iter().map(|&i| m[[i, i]]));
    let mut vectors = Array2::<f64>::zeros((n, n));
    for (col, &i) in order.iter().enumerate() {
        vectors.column_mut(col).assign(&v.column(i));
    }
    Some(SymmetricEigen { values, vectors })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn reconstructs_the_matrix() {
        let a = array![[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 1.0]];
        let e = symmetric_eigen(&a).unwrap();
        let back = e
            .vectors
            .dot(&Array2::from_diag(&e.values))
            .dot(&e.vectors.t());
        for (x, y) in back.iter().zip(a.iter()) {
            assert!((x - y).abs() < 1e-12);
        }
        assert!(e.values[0] >= e.values[1] && e.values[1] >= e.values[2]);
        let i = e.vectors.t().dot(&e.vectors);
        for r in 0..3 {
            for c in 0..3 {
                assert!((i[[r, c]] - if r == c { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn two_by_two_has_known_eigenvalues() {
        let e = symmetric_eigen(&array![[2.0, 1.0], [1.0, 2.0]]).unwrap();
        assert!((e.values[0] - 3.0).abs() < 1e-14 && (e.values[1] - 1.0).abs() < 1e-14);
    }
}
